/**
 * EKS workload identity for Kubernetes pipelines that use the AWS artifact registry: one IAM role per pipeline
 * ServiceAccount, bound by IRSA (the cluster's IAM OIDC provider) or EKS Pod Identity (an association), granting
 * exactly that pipeline's prefixes, the bucket key through S3 and pull on the store's ECR repositories.
 *
 * What a pipeline touches (pipelines/layout.ts, pipelines/render/kubernetes.ts, pipelines/scripts/):
 *   datasets/<dataset>/...             read (data-prep: `dataset-uri`, validation/test URIs; any version of it)
 *   models/<hub-id>@<revision>/...      read + upload (model-init snapshots its base model; serving reads it)
 *   runs/<pipeline>/...                 read-write (stage outputs, `_code`, monitoring probes)
 *   checkpoints/<pipeline>/...          read-write (checkpoint sync, resume)
 *   registry/<pipeline>/...             read-write (register, promote/rollback rewrite deployed.json)
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceAccountIdentity } from "../../core/contracts/pipeline-identity";
import { objectNames } from "../../pipelines/render/kubernetes";
import { pipelineSpecProblems, type FineTuningPipelineSpec } from "../../pipelines/spec";
import type { FineTuningPipelineSpecArgs } from "../../pipelines/spec-args";
import { isKnown, outputProblems, validatedName } from "../validation";
import { throwIfProblems, type Problem } from "../../core/problem";
import {
  pipelineAccessPolicy,
  irsaTrustPolicy,
  podIdentityTrustPolicy,
  type PipelinePrefixes,
  type PolicyDocument,
  type ServiceAccountRef,
} from "./aws-policies";
import { type AwsArtifactRegistry } from "./aws";
import { LayoutArea } from "../../core/store-layout";
import { partitionOf } from "../../core/aws-partition";
import { DNS_LABEL } from "../../core/kubernetes";
import { componentToken, withLegacyAlias } from "../tokens";

/** How the pipeline's pods get the role. */
export const EksIdentityMode = {
  /** IAM roles for service accounts: the ServiceAccount carries `eks.amazonaws.com/role-arn`. */
  Irsa: "irsa",
  /** EKS Pod Identity: an association on the cluster; the ServiceAccount needs no annotation. */
  PodIdentity: "pod-identity",
} as const;
export type EksIdentityMode = (typeof EksIdentityMode)[keyof typeof EksIdentityMode];

/** The artifact store the role is granted on. */
export interface EksIdentityStore {
  /** Bucket name (plain: the pipeline's prefixes and dataset checks are decided from it). */
  bucket: string;
  /** Region of the bucket (plain: partition and `kms:ViaService`). */
  region: string;
  /** ARN of the bucket's KMS key. */
  kmsKeyArn: pulumi.Input<string>;
  /** ECR repositories the pipeline's images come from. @default [] */
  repositoryArns?: pulumi.Input<pulumi.Input<string>[]>;
  /** Pull-through cache repository ARN patterns (`arn:...:repository/<prefix>/*`). @default [] */
  pullThroughRepositoryArns?: pulumi.Input<pulumi.Input<string>[]>;
}

/** The cluster's IAM OIDC provider, for IRSA. */
export interface EksIrsaProvider {
  /** `arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>` */
  oidcProviderArn: pulumi.Input<string>;
  /** The cluster's OIDC issuer URL, `https://oidc.eks.<region>.amazonaws.com/id/<id>`. */
  issuerUrl: pulumi.Input<string>;
}

/** The cluster an EKS Pod Identity association is created on. */
export interface EksPodIdentityCluster {
  /** EKS cluster name. */
  clusterName: pulumi.Input<string>;
}

/** Arguments of {@link EksPipelineIdentity}. */
export interface EksPipelineIdentityArgs {
  /**
   * The pipeline spec as written (the same value as the pipeline's `spec`; a parsed spec works too): its name, dataset
   * URIs and base model decide the prefixes and the ServiceAccount name. Plain: they name the role's grants.
   */
  spec: FineTuningPipelineSpecArgs;
  /** Namespace the pipeline runs in (the `namespace` of its KubernetesFineTuningPipeline). */
  namespace: pulumi.Input<string>;
  /** The store: {@link eksIdentityStoreOf} builds it from an `AwsArtifactRegistry`. */
  store: EksIdentityStore;
  /** IRSA or EKS Pod Identity. */
  mode: EksIdentityMode;
  /** The cluster's IAM OIDC provider (required with `mode: "irsa"`). @default - none */
  irsa?: EksIrsaProvider;
  /** The cluster the association is created on (required with `mode: "pod-identity"`; needs the EKS Pod Identity Agent add-on). @default - none */
  podIdentity?: EksPodIdentityCluster;
  /** Grant ECR pull on the store's repositories (kubelet image pulls use the node role; this is for in-pod clients). @default true */
  ecrPull?: boolean;
  /** Permissions boundary of the role. @default - none */
  permissionsBoundary?: pulumi.Input<string>;
  /** Tags on the role (and the association). @default {} */
  tags?: Record<string, pulumi.Input<string>>;
}

/** The arguments of {@link EksPipelineIdentity} typed `pulumi.Input` (or named types holding Inputs: `store`, `irsa`, `podIdentity`). */
export const EKS_IDENTITY_INPUT_ARGS = [
  "namespace",
  "store",
  "irsa",
  "podIdentity",
  "permissionsBoundary",
  "tags",
] as const satisfies readonly (keyof EksPipelineIdentityArgs)[];

/** The arguments of {@link EksPipelineIdentity} that stay plain, and why. */
export const EKS_IDENTITY_PLAIN_ARGS: Record<string, string> = {
  spec: "its name, dataset URIs and base model decide the prefixes and the ServiceAccount name the role's grants name",
  mode: "decides which resources exist (an IRSA trust policy or a Pod Identity association)",
  ecrPull: "a flag: decides whether the policy has ECR statements",
};

const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(.+)$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/** Key of an object-store URI in `bucket`, or undefined when it is in another bucket / scheme. */
function keyIn(uri: string, bucket: string): string | undefined {
  const head = `s3://${bucket}/`;
  return uri.startsWith(head) ? uri.slice(head.length) : undefined;
}

/**
 * The prefixes one pipeline reaches (pure). A dataset URI `s3://<bucket>/datasets/<dataset>/...` grants every
 * version of that dataset (`dataset-uri` is a run parameter); `s3://<bucket>/datasets/<file>` grants that key.
 * Throws nothing: problems come back with their property paths.
 */
export function pipelinePrefixes(spec: FineTuningPipelineSpec, bucket: string): { prefixes: PipelinePrefixes; problems: Problem[] } {
  const problems: Problem[] = [];
  const read: string[] = [];
  const uris: Array<[string, string | undefined]> = [
    ["spec.dataset.uri", spec.dataset.uri],
    ["spec.dataset.validationUri", spec.dataset.validationUri],
    ["spec.dataset.testUri", spec.dataset.testUri],
  ];
  for (const [path, uri] of uris) {
    if (uri === undefined) continue;
    const key = keyIn(uri, bucket);
    const parts = key?.split("/") ?? [];
    if (key === undefined || parts[0] !== LayoutArea.Datasets || parts.length < 2 || parts[1] === "") {
      problems.push({
        path: path,
        message: `"${uri}" is not under s3://${bucket}/${LayoutArea.Datasets}/ (upload it to s3://${bucket}/${LayoutArea.Datasets}/<dataset>/<version>/: the pipeline's role reads only there)`,
      });
      continue;
    }
    const prefix = parts.length >= 3 ? `${LayoutArea.Datasets}/${parts[1]}/` : key;
    if (!read.includes(prefix)) read.push(prefix);
  }
  return {
    prefixes: {
      read,
      writeOnce: [`${LayoutArea.Models}/${spec.baseModel.id}@`],
      readWrite: [LayoutArea.Runs, LayoutArea.Checkpoints, LayoutArea.Registry].map((a) => `${a}/${spec.name}/`),
    },
    problems,
  };
}

/** Problems of an OIDC provider ARN / issuer pair (used on known values at once and inside `apply` otherwise). */
export function irsaProblems(oidcProviderArn: string | undefined, issuerUrl: string | undefined): Problem[] {
  const problems: Problem[] = [];
  const m = oidcProviderArn === undefined ? undefined : OIDC_PROVIDER_ARN.exec(oidcProviderArn);
  if (oidcProviderArn !== undefined && !m) {
    problems.push({
      path: "irsa.oidcProviderArn",
      message: `"${oidcProviderArn}" is not an IAM OIDC provider ARN (use the cluster's provider, arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>)`,
    });
  }
  if (issuerUrl !== undefined && !/^https:\/\/[^/]+\/.+[^/]$/.test(issuerUrl)) {
    problems.push({
      path: "irsa.issuerUrl",
      message: `"${issuerUrl}" is not an OIDC issuer URL (use the cluster's identity.oidc.issuer, https://oidc.eks.<region>.amazonaws.com/id/<id>)`,
    });
  } else if (m && issuerUrl !== undefined && issuerOf(issuerUrl) !== m[1]) {
    problems.push({
      path: "irsa.issuerUrl",
      message: `"${issuerUrl}" is not the issuer of OIDC provider ${oidcProviderArn} (pass the issuer URL of the same cluster)`,
    });
  }
  return problems;
}

/** `https://oidc.eks.../id/X` → `oidc.eks.../id/X` (the form IAM condition keys use). */
function issuerOf(url: string): string {
  return url.replace(/^https:\/\//, "");
}

/** Every construction problem of the arguments whose values are known now (empty when valid). */
export function eksPipelineIdentityProblems(args: EksPipelineIdentityArgs): Problem[] {
  const modes = Object.values(EksIdentityMode) as string[];
  const parsed = pipelineSpecProblems(args.spec);
  const problems: Problem[] = outputProblems({
    spec: args.spec,
    mode: args.mode,
    ecrPull: args.ecrPull,
    store: { bucket: args.store.bucket, region: args.store.region },
  });
  if (!modes.includes(args.mode)) problems.push({ path: "mode", message: `"${args.mode}" is not one of ${modes.join(", ")}` });
  if (args.mode === EksIdentityMode.Irsa && args.irsa === undefined) {
    problems.push({ path: "irsa", message: `is required when mode is "irsa" (pass the cluster's oidcProviderArn and issuerUrl, or use mode "pod-identity")` });
  }
  if (args.mode === EksIdentityMode.PodIdentity && args.podIdentity === undefined) {
    problems.push({ path: "podIdentity", message: `is required when mode is "pod-identity" (pass the cluster's clusterName, or use mode "irsa")` });
  }
  if (args.mode !== EksIdentityMode.Irsa && args.irsa !== undefined)
    problems.push({ path: "irsa", message: `is set but mode is "${args.mode}" (remove it, or set mode "irsa")` });
  if (args.mode !== EksIdentityMode.PodIdentity && args.podIdentity !== undefined)
    problems.push({ path: "podIdentity", message: `is set but mode is "${args.mode}" (remove it, or set mode "pod-identity")` });
  if (args.irsa)
    problems.push(
      ...irsaProblems(
        isKnown(args.irsa.oidcProviderArn) ? args.irsa.oidcProviderArn : undefined,
        isKnown(args.irsa.issuerUrl) ? args.irsa.issuerUrl : undefined,
      ),
    );
  problems.push(...namespaceProblems(isKnown(args.namespace) ? args.namespace : undefined));
  if (!REGION.test(args.store.region))
    problems.push({ path: "store.region", message: `"${args.store.region}" is not an AWS region (use the registry's region, e.g. us-east-1)` });
  problems.push(...parsed.problems);
  if (parsed.spec && typeof args.store.bucket === "string") problems.push(...pipelinePrefixes(parsed.spec, args.store.bucket).problems);
  return problems;
}

function namespaceProblems(namespace: string | undefined): Problem[] {
  return namespace !== undefined && !DNS_LABEL.test(namespace)
    ? [{ path: "namespace", message: `"${namespace}" is not a DNS label (use lowercase letters, digits and '-')` }]
    : [];
}

/** Throws the component's error for problems found once an unknown input resolved. */
function failLate(name: string, problems: Problem[]): void {
  throwIfProblems("EksPipelineIdentity", name, problems);
}

/** A statement's actions / resources as lists. */
function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** IAM glob (`*`, `?`) as a regular expression. */
function glob(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
}

/**
 * Whether an identity policy allows `action` on `resource` given request `context` (condition key → value).
 * Conditions on keys the context does not name, and operators other than `StringEquals` / `StringLike`, are
 * taken as met, so a `false` answer is a proof that the policy cannot reach the resource.
 */
export function policyAllows(doc: PolicyDocument, action: string, resource: string, context: Record<string, string> = {}): boolean {
  return doc.Statement.some((s) => {
    if (s.Effect !== "Allow" || !s.Action.some((a) => glob(a).test(action)) || !list(s.Resource).some((r) => glob(r).test(resource))) return false;
    return Object.entries(s.Condition ?? {}).every(([op, keys]) =>
      Object.entries(keys).every(([k, v]) => {
        if (context[k] === undefined || (op !== "StringEquals" && op !== "StringLike")) return true;
        const values = (Array.isArray(v) ? v : [v]).map(String);
        return values.some((x) => (op === "StringLike" ? glob(x).test(context[k]) : x === context[k]));
      }),
    );
  });
}

/** Actions that AWS defines without a resource type, so `"Resource": "*"` is the only form IAM accepts. */
const RESOURCELESS_ACTIONS = ["ecr:GetAuthorizationToken"];

/**
 * Least-privilege check of a pipeline role's policy against its prefixes: exact actions only; `*` resources
 * only for resource-less actions; S3 object grants only under the pipeline's prefixes, by kind (read /
 * write-once / read-write); listing only with an `s3:prefix` condition inside them; KMS only through S3.
 * Returns one line per violation (empty when the policy is least-privilege).
 */
export function leastPrivilegeProblems(doc: PolicyDocument, bucketArn: string, p: PipelinePrefixes): string[] {
  const out: string[] = [];
  const may: Record<string, string[]> = {
    "s3:GetObject": [...p.read, ...p.writeOnce, ...p.readWrite],
    "s3:PutObject": [...p.writeOnce, ...p.readWrite],
    "s3:AbortMultipartUpload": [...p.writeOnce, ...p.readWrite],
    "s3:ListMultipartUploadParts": [...p.writeOnce, ...p.readWrite],
    "s3:DeleteObject": p.readWrite,
  };
  const listable = [...p.read, ...p.writeOnce, ...p.readWrite];
  for (const s of doc.Statement.filter((x) => x.Effect === "Allow")) {
    const where = `statement ${s.Sid}`;
    for (const a of s.Action) if (/[*?]/.test(a)) out.push(`${where} allows wildcard action ${a}`);
    for (const r of list(s.Resource)) {
      if (r === "*" && s.Action.some((a) => !RESOURCELESS_ACTIONS.includes(a)))
        out.push(`${where} grants ${s.Action.filter((a) => !RESOURCELESS_ACTIONS.includes(a)).join(", ")} on every resource`);
      if (!r.startsWith(`${bucketArn}/`)) continue;
      const key = r.slice(bucketArn.length + 1);
      for (const a of s.Action) {
        const allowed = may[a];
        if (allowed === undefined) out.push(`${where} allows ${a} on objects (${r}), which no pipeline stage needs`);
        else if (!allowed.some((pre) => key === `${pre}*`))
          out.push(`${where} allows ${a} on ${r}, outside the pipeline's ${a === "s3:GetObject" ? "" : "writable "}prefixes`);
      }
    }
    if (s.Action.includes("s3:ListBucket")) {
      const prefixes = list(s.Condition?.StringLike?.["s3:prefix"] as string | string[] | undefined);
      if (prefixes.length === 0) out.push(`${where} lists the whole bucket (add an s3:prefix condition)`);
      for (const x of prefixes) if (!listable.some((pre) => x === pre || x === `${pre}*`)) out.push(`${where} lists ${x}, outside the pipeline's prefixes`);
    }
    if (s.Action.some((a) => a.startsWith("kms:")) && s.Condition?.StringEquals?.["kms:ViaService"] === undefined)
      out.push(`${where} uses the KMS key outside S3 (add a kms:ViaService condition)`);
  }
  return out;
}

/** The store of an `AwsArtifactRegistry`: its bucket, key, stage repositories and pull-through cache prefixes. */
export function eksIdentityStoreOf(registry: AwsArtifactRegistry, region: string): EksIdentityStore {
  const { partition } = partitionOf(region);
  const cachePrefixes = registry.contract.pullThroughPrefixes ?? [];
  return {
    bucket: registry.bucketName,
    region,
    kmsKeyArn: registry.key.arn,
    repositoryArns: Object.values(registry.repositories).map((r) => r.arn),
    // The account of the cache repositories is the key's (the registry creates both).
    pullThroughRepositoryArns: registry.key.arn.apply((arn) =>
      cachePrefixes.map((p) => `arn:${partition}:ecr:${region}:${arn.split(":")[4]}:repository/${p}/*`),
    ),
  };
}

/** The policy documents of each identity, kept off the instance (the provider host serves only the JSON). */
const DOCUMENTS = new WeakMap<EksPipelineIdentity, { policy: pulumi.Output<PolicyDocument>; trustPolicy: pulumi.Output<PolicyDocument> }>();

/**
 * One IAM role for one Kubernetes pipeline's ServiceAccount (`objectNames(spec).serviceAccount`), granting exactly
 * that pipeline's prefixes, the bucket key through S3 and ECR pull, bound by IRSA or an EKS Pod Identity
 * association. Pass {@link EksPipelineIdentity.identity} as the pipeline's `identity`.
 */
export class EksPipelineIdentity extends pulumi.ComponentResource {
  /** The role. */
  readonly role: aws.iam.Role;
  /** ARN of the role. */
  readonly roleArn: pulumi.Output<string>;
  /** The pipeline's ServiceAccount (from the renderer's object names). */
  readonly serviceAccountName: string;
  /** The prefixes granted, by kind of access. */
  readonly prefixes: PipelinePrefixes;
  /** The role's identity policy, as IAM reads it (JSON). */
  readonly policyJson: pulumi.Output<string>;
  /** The role's trust policy, as IAM reads it (JSON). */
  readonly trustPolicyJson: pulumi.Output<string>;
  /** The role's identity policy (a getter: the document's literal and union types are TypeScript-only; other languages read {@link policyJson}). */
  get policy(): pulumi.Output<PolicyDocument> {
    return DOCUMENTS.get(this)!.policy;
  }
  /** The role's trust policy (a getter, see {@link policy}; other languages read {@link trustPolicyJson}). */
  get trustPolicy(): pulumi.Output<PolicyDocument> {
    return DOCUMENTS.get(this)!.trustPolicy;
  }
  /** The Pod Identity association (mode `pod-identity`). */
  readonly association?: aws.eks.PodIdentityAssociation;
  /** What `KubernetesFineTuningPipeline` takes as `identity` (IRSA: the role-arn annotation; Pod Identity: none). */
  readonly identity: ServiceAccountIdentity;

  constructor(name: string, args: EksPipelineIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      componentToken("EksPipelineIdentity"),
      validatedName("EksPipelineIdentity", name, eksPipelineIdentityProblems(args)),
      {},
      withLegacyAlias("EksPipelineIdentity", opts),
    );
    const spec: FineTuningPipelineSpec = pipelineSpecProblems(args.spec).spec!;
    const serviceAccount = objectNames(spec).serviceAccount;
    const { partition } = partitionOf(args.store.region);
    const bucketArn = `arn:${partition}:s3:::${args.store.bucket}`;
    this.serviceAccountName = serviceAccount;
    this.prefixes = pipelinePrefixes(spec, args.store.bucket).prefixes;
    const namespace = pulumi.output(args.namespace).apply((ns) => {
      failLate(name, namespaceProblems(ns));
      return ns;
    });
    const sa = namespace.apply((ns): ServiceAccountRef => ({ namespace: ns, serviceAccount }));
    let trustPolicy: pulumi.Output<PolicyDocument>;
    if (args.mode === EksIdentityMode.Irsa) {
      const irsa = args.irsa!;
      trustPolicy = pulumi.all([irsa.oidcProviderArn, irsa.issuerUrl, sa]).apply(([arn, url, ref]) => {
        failLate(name, irsaProblems(arn, url));
        return irsaTrustPolicy(arn, issuerOf(url), ref);
      });
    } else {
      trustPolicy = sa.apply(podIdentityTrustPolicy);
    }
    const tags = { ...(args.tags ?? {}), "finetune-kit:component": "pipeline-identity", "finetune-kit:pipeline": spec.name };
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `finetune-kit pipeline ${spec.name}: ServiceAccount ${serviceAccount} (${args.mode}) on s3://${args.store.bucket}`,
        assumeRolePolicy: trustPolicy.apply((d) => JSON.stringify(d)),
        ...(args.permissionsBoundary !== undefined ? { permissionsBoundary: args.permissionsBoundary } : {}),
        tags,
      },
      { parent: this },
    );
    this.roleArn = this.role.arn;
    const ecrPull = args.ecrPull ?? true;
    const policy = pulumi
      .all([args.store.kmsKeyArn, ecrPull ? (args.store.repositoryArns ?? []) : [], ecrPull ? (args.store.pullThroughRepositoryArns ?? []) : []])
      .apply(([kmsKeyArn, repositoryArns, pullThroughRepositoryArns]) => {
        const doc = pipelineAccessPolicy({
          bucketArn,
          kmsKeyArn,
          region: args.store.region,
          prefixes: this.prefixes,
          repositoryArns,
          pullThroughRepositoryArns,
        });
        // Self-check: a change to the builders that widens the grant fails the deployment instead of shipping.
        const wide = leastPrivilegeProblems(doc, bucketArn, this.prefixes);
        if (wide.length > 0) throw new Error(`EksPipelineIdentity "${name}": the policy is wider than pipeline ${spec.name} needs:\n  ${wide.join("\n  ")}`);
        return doc;
      });
    new aws.iam.RolePolicy(`${name}-access`, { role: this.role.name, policy: policy.apply((d) => JSON.stringify(d)) }, { parent: this });
    if (args.mode === EksIdentityMode.PodIdentity) {
      this.association = new aws.eks.PodIdentityAssociation(
        `${name}-association`,
        { clusterName: args.podIdentity!.clusterName, namespace, serviceAccount, roleArn: this.role.arn, tags },
        { parent: this },
      );
    }
    this.identity = {
      serviceAccountName: serviceAccount,
      namespace: args.namespace,
      serviceAccountAnnotations: args.mode === EksIdentityMode.Irsa ? this.role.arn.apply((arn) => ({ "eks.amazonaws.com/role-arn": arn })) : {},
    };
    DOCUMENTS.set(this, { policy, trustPolicy });
    this.policyJson = policy.apply((d) => JSON.stringify(d));
    this.trustPolicyJson = trustPolicy.apply((d) => JSON.stringify(d));
    this.registerOutputs({
      roleArn: this.roleArn,
      serviceAccountName: serviceAccount,
      policyJson: this.policyJson,
      trustPolicyJson: this.trustPolicyJson,
      ...(this.association ? { associationArn: this.association.associationArn } : {}),
    });
  }
}
