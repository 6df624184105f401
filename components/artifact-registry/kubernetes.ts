import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { REGISTRY_CHARTS, REGISTRY_IMAGES, type ImagePin } from "../../core/versions";
import { bucketNameProblems } from "./bucket-names";
import { layoutUris } from "../../core/store-layout";
import { MINIO_API_PORT, minioValues } from "./minio-values";
import { checkInput, isKnown, knownProblems, outputProblems, withPlaceholders } from "../validation";
import type { ArtifactStoreContractInput } from "./contract-input";
import { statefulOptions, type DataProtection } from "../validation";
import { throwIfProblems, type Problem } from "../../core/problem";
import { RESTRICTED_NAMESPACE_LABELS, DNS_LABEL } from "../../core/kubernetes";
import { componentToken, withLegacyAlias } from "../tokens";

/** Where the S3-compatible store comes from. */
export const ObjectStoreMode = {
  /** In-cluster MinIO, installed and owned by the component (the default). */
  Minio: "minio",
  /** An existing S3-compatible endpoint (MinIO elsewhere, Ceph RGW, a cloud bucket, ...). */
  External: "external",
} as const;
export type ObjectStoreMode = (typeof ObjectStoreMode)[keyof typeof ObjectStoreMode];

/** Keys of the credentials Secret the pipeline mounts (`envFrom`), in both modes. */
export const CREDENTIAL_KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;

/** Arguments of {@link KubernetesArtifactStore}. */
export interface KubernetesArtifactStoreArgs extends DataProtection {
  /** Namespace the pipeline runs in: the credentials Secret lives there (it must exist: pass `dependsOn`). */
  pipelineNamespace: pulumi.Input<string>;
  /** Container registry the stage images are pulled from, e.g. `registry.example.com/ml`. */
  containerRegistry: pulumi.Input<string>;
  /** Image pull Secret (in the pipeline namespace) for that registry. @default - none (a public or node-authenticated registry) */
  imagePullSecret?: string;
  /** Embedded MinIO or an existing S3-compatible endpoint. @default "minio" */
  mode?: ObjectStoreMode;
  /** Bucket name (S3 rules). @default "<name>-artifacts" for MinIO; required for "external" */
  bucketName?: string;

  // ---- mode "minio" ----
  /** Namespace MinIO runs in. @default "finetune-storage" */
  namespace?: string;
  /** Create that namespace, labelled PSS restricted (protected: deleting it would delete the PVC). @default true */
  createNamespace?: boolean;
  /** MinIO root user. @default "finetune-admin" */
  rootUser?: pulumi.Input<string>;
  /** MinIO root password (a Pulumi secret, at least 8 characters). Required for "minio". */
  rootPassword?: pulumi.Input<string>;
  /** Access key of the pipeline's MinIO user (only this bucket). @default "<name>-pipeline" */
  pipelineAccessKey?: string;
  /** Secret key of the pipeline's MinIO user (a Pulumi secret, at least 8 characters). Required for "minio". */
  pipelineSecretKey?: pulumi.Input<string>;
  /** Existing StorageClass for the data volume; it must have `reclaimPolicy: Retain`. One of storageClass/provisioner is required for "minio". */
  storageClass?: pulumi.Input<string>;
  /** CSI provisioner of a StorageClass the component creates with `reclaimPolicy: Retain`, e.g. `ebs.csi.aws.com`. */
  provisioner?: pulumi.Input<string>;
  /** Parameters of the created StorageClass (e.g. `{ type: "gp3", encrypted: "true" }`). @default {} */
  storageParameters?: Record<string, pulumi.Input<string>>;
  /** Size of the data volume. @default "100Gi" */
  storageSize?: string;
  /** Secret (in MinIO's namespace) with `tls.crt`/`tls.key`: MinIO serves HTTPS. @default - HTTP inside the cluster */
  tlsSecretName?: string;
  /** Serve MinIO's web console on the ClusterIP service. @default false */
  console?: boolean;
  /** Server image override (`repository:tag`, e.g. a mirror). @default REGISTRY_IMAGES.minio */
  minioImage?: string;
  /** Client image override for the chart's job (`repository:tag`). @default REGISTRY_IMAGES.mc */
  mcImage?: string;

  // ---- mode "external" ----
  /** S3 endpoint URL, e.g. `https://s3.example.com:9000`. Required for "external". */
  endpoint?: string;
  /** Existing Secret (in the pipeline namespace) with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Required for "external". */
  credentialsSecret?: string;
}

/** The arguments of {@link KubernetesArtifactStore} typed `pulumi.Input` (or holding Inputs). */
export const KUBERNETES_STORE_INPUT_ARGS = [
  "pipelineNamespace",
  "containerRegistry",
  "rootUser",
  "rootPassword",
  "pipelineSecretKey",
  "storageClass",
  "provisioner",
  "storageParameters",
] as const satisfies readonly (keyof KubernetesArtifactStoreArgs)[];

/** The arguments of {@link KubernetesArtifactStore} that stay plain, and why. */
export const KUBERNETES_STORE_PLAIN_ARGS: Record<string, string> = {
  imagePullSecret: "the contract names it (imagePullSecretName, a plain field) and the pipelines render it into pod specs at construction",
  mode: "decides which resources exist (embedded MinIO or none)",
  bucketName: "every URI of the contract derives from it, and the pipelines render them at construction",
  namespace: "MinIO's namespace is part of the S3 endpoint and the egress host in the contract, which the pipelines render at construction",
  createNamespace: "a flag: decides whether a Namespace exists",
  pipelineAccessKey: "a name chosen with the kit, rendered into the chart values and the pipeline user's policy",
  storageSize: "sizing chosen with the kit, never read from another resource",
  tlsSecretName: "decides the endpoint's scheme (http or https) in the contract",
  console: "a flag of the chart",
  minioImage: "an image pin, checked at construction",
  mcImage: "an image pin, checked at construction",
  endpoint: "the contract's s3Endpoint and egress (host or CIDR, port) derive from it; the pipelines render them at construction",
  credentialsSecret: "the contract names it (credentialsSecretName, a plain field) and the pipelines render it into envFrom at construction",
  protect: "a resource option, fixed when the children are created",
  retainOnDelete: "a resource option, fixed when the children are created",
};

const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const IMAGE_REF = /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/;

/** Defaults of the embedded MinIO. */
export const MINIO_DEFAULTS = {
  namespace: "finetune-storage",
  rootUser: "finetune-admin",
  storageSize: "100Gi",
  resources: { cpu: "500m", memory: "2Gi", memoryLimit: "8Gi" },
} as const;

function parseImage(ref: string): ImagePin {
  const i = ref.lastIndexOf(":");
  return { repository: ref.slice(0, i), tag: ref.slice(i + 1), checked: "caller" };
}

/** Host, port and whether it is an IP, of an endpoint URL; undefined when it is not an http(s) URL. */
export function parseEndpoint(endpoint: string): { host: string; port: number; https: boolean; ip: boolean } | undefined {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    return undefined;
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || !u.hostname || (u.pathname !== "/" && u.pathname !== "") || u.search || u.username)
    return undefined;
  const https = u.protocol === "https:";
  const host = u.hostname.replace(/^\[|\]$/g, "");
  return { host, port: u.port ? Number(u.port) : https ? 443 : 80, https, ip: /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":") };
}

/** Every construction problem of the arguments (empty when valid). */
export function kubernetesArtifactStoreProblems(name: string, args: pulumi.Unwrap<KubernetesArtifactStoreArgs>): Problem[] {
  const problems: Problem[] = [];
  const mode = args.mode ?? ObjectStoreMode.Minio;
  if (!(Object.values(ObjectStoreMode) as string[]).includes(mode))
    problems.push({ path: "mode", message: `"${mode}" is not a mode (use "minio" or "external")` });
  if (!DNS_LABEL.test(name) || name.length > 40)
    problems.push({ path: "name", message: `"${name}" must be a DNS label of at most 40 characters (it prefixes Kubernetes object names)` });
  if (!DNS_LABEL.test(args.pipelineNamespace ?? ""))
    problems.push({ path: "pipelineNamespace", message: `"${args.pipelineNamespace}" is not a namespace name (a DNS-1123 label)` });
  if (!args.containerRegistry)
    problems.push({ path: "containerRegistry", message: "is required (set the registry the stage images are pulled from, e.g. registry.example.com/ml)" });
  else if (/^[a-z]+:\/\//.test(args.containerRegistry) || args.containerRegistry.endsWith("/")) {
    problems.push({
      path: "containerRegistry",
      message: `"${args.containerRegistry}" must be a registry prefix without scheme or trailing '/' (e.g. registry.example.com/ml)`,
    });
  }
  if (args.imagePullSecret !== undefined && !DNS_LABEL.test(args.imagePullSecret))
    problems.push({ path: "imagePullSecret", message: `"${args.imagePullSecret}" is not a Secret name` });

  if (mode === ObjectStoreMode.External) {
    if (!args.endpoint)
      problems.push({ path: "endpoint", message: 'is required when mode is "external" (set the S3 endpoint URL, e.g. https://s3.example.com)' });
    else if (!parseEndpoint(args.endpoint))
      problems.push({ path: "endpoint", message: `"${args.endpoint}" is not an http(s) URL without path (e.g. https://s3.example.com:9000)` });
    if (!args.credentialsSecret) {
      problems.push({
        path: "credentialsSecret",
        message: `is required when mode is "external" (create a Secret with ${CREDENTIAL_KEYS.join(" and ")} in namespace ${args.pipelineNamespace} and name it here)`,
      });
    } else if (!DNS_LABEL.test(args.credentialsSecret))
      problems.push({ path: "credentialsSecret", message: `"${args.credentialsSecret}" is not a Secret name` });
    if (!args.bucketName) problems.push({ path: "bucketName", message: 'is required when mode is "external" (name the existing bucket)' });
    const minioOnly: (keyof KubernetesArtifactStoreArgs)[] = ["rootPassword", "pipelineSecretKey", "storageClass", "provisioner", "tlsSecretName"];
    for (const k of minioOnly) if (args[k] !== undefined) problems.push({ path: k, message: 'is only used when mode is "minio" (remove it)' });
  } else {
    if (args.rootPassword === undefined)
      problems.push({ path: "rootPassword", message: "is required for the embedded MinIO (pass a Pulumi secret of at least 8 characters)" });
    if (args.pipelineSecretKey === undefined)
      problems.push({ path: "pipelineSecretKey", message: "is required for the embedded MinIO (pass a Pulumi secret of at least 8 characters)" });
    if (args.storageClass === undefined && args.provisioner === undefined) {
      problems.push({
        path: "storageClass",
        message: "is required for the embedded MinIO (name a StorageClass with reclaimPolicy Retain, or set provisioner to create one)",
      });
    }
    if (args.storageClass !== undefined && args.provisioner !== undefined) {
      problems.push({
        path: "provisioner",
        message: "is set together with storageClass (set only one: storageClass to use an existing class, provisioner to create one)",
      });
    }
    if (args.storageClass !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(args.storageClass))
      problems.push({ path: "storageClass", message: `"${args.storageClass}" is not a StorageClass name` });
    if (!QUANTITY.test(args.storageSize ?? MINIO_DEFAULTS.storageSize))
      problems.push({ path: "storageSize", message: `"${args.storageSize}" is not a Kubernetes quantity (e.g. 500Gi)` });
    if (args.endpoint !== undefined || args.credentialsSecret !== undefined)
      problems.push({
        path: args.endpoint !== undefined ? "endpoint" : "credentialsSecret",
        message: 'is only used when mode is "external" (set mode: "external" or remove it)',
      });
    if (!DNS_LABEL.test(args.namespace ?? MINIO_DEFAULTS.namespace))
      problems.push({ path: "namespace", message: `"${args.namespace}" is not a namespace name` });
    const key = args.pipelineAccessKey ?? `${name}-pipeline`;
    if (!/^[A-Za-z0-9_.@-]{3,128}$/.test(key))
      problems.push({ path: "pipelineAccessKey", message: `"${key}" must be 3-128 letters, digits, '_', '.', '@' or '-'` });
    for (const [k, v] of [
      ["minioImage", args.minioImage],
      ["mcImage", args.mcImage],
    ] as const) {
      if (v !== undefined && (!IMAGE_REF.test(v) || v.endsWith(":latest")))
        problems.push({ path: k, message: `"${v}" must be repository:tag with a pinned tag (not latest)` });
    }
  }
  const bucket = args.bucketName ?? `${name}-artifacts`;
  for (const reason of bucketNameProblems(bucket, "s3")) problems.push({ path: "bucketName", message: `"${bucket}" ${reason}` });
  return problems;
}

/** MinIO's minimum lengths (its server refuses shorter credentials at start). */
export const MINIO_CREDENTIAL_MIN_LENGTH = { rootUser: 3, rootPassword: 8, pipelineSecretKey: 8 } as const;

/** The problem with a credential's length, if any (pure). */
export function credentialLengthProblem(what: keyof typeof MINIO_CREDENTIAL_MIN_LENGTH, value: string): string | undefined {
  const min = MINIO_CREDENTIAL_MIN_LENGTH[what];
  return value.length < min ? `KubernetesArtifactStore: ${what} is ${value.length} characters, MinIO needs at least ${min} (set a longer secret)` : undefined;
}

/**
 * The credential as a secret output that fails the deployment (the Secret's registration) when it is too short,
 * instead of MinIO failing at runtime. Secrets are outputs, so this cannot run at construction.
 */
function checkedSecret(value: pulumi.Input<string>, what: keyof typeof MINIO_CREDENTIAL_MIN_LENGTH): pulumi.Output<string> {
  return pulumi.secret(
    pulumi.output(value).apply((v) => {
      const problem = credentialLengthProblem(what, v);
      if (problem) throw new Error(problem);
      return v;
    }),
  );
}

/**
 * The artifact registry on Kubernetes: an S3-compatible store with the kit's layout (and the same versioned
 * model registry as GCP), either an embedded MinIO (pinned chart, data on a PVC the component owns whose
 * StorageClass retains volumes, root and pipeline credentials from Pulumi secrets, PSS-restricted pods, a
 * versioned bucket, ingress only from the pipeline namespace) or an existing endpoint with an existing
 * credentials Secret. The container registry is referenced, not created.
 */
export class KubernetesArtifactStore extends pulumi.ComponentResource {
  /** The store's contract: plain except `containerRegistry` and `identity`, Outputs when `containerRegistry` / `pipelineNamespace` are. */
  readonly contract: ArtifactStoreContractInput;
  /** The MinIO release (mode "minio"). */
  readonly release?: k8s.helm.v3.Release;
  /** The data volume claim (mode "minio"). */
  readonly pvc?: k8s.core.v1.PersistentVolumeClaim;

  constructor(name: string, args: KubernetesArtifactStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfProblems("KubernetesArtifactStore", name, outputProblems(args, KUBERNETES_STORE_INPUT_ARGS));
    // Every problem of the values known now (an Output's placeholder problems are dropped); each Input argument that
    // is an Output is checked inside apply (checkInput below), with the same message.
    const shape = withPlaceholders(args as pulumi.Unwrap<KubernetesArtifactStoreArgs>, "unknown-until-deployed");
    const all = (v: pulumi.Unwrap<KubernetesArtifactStoreArgs>) => kubernetesArtifactStoreProblems(name, v);
    throwIfProblems("KubernetesArtifactStore", name, knownProblems(args, all(shape)));
    super(componentToken("KubernetesArtifactStore"), name, {}, withLegacyAlias("KubernetesArtifactStore", opts));
    const checked = <K extends "pipelineNamespace" | "containerRegistry" | "storageClass">(k: K) =>
      checkInput("KubernetesArtifactStore", name, args[k], k, (v: unknown) => all({ ...shape, [k]: v }).find((p) => p.path === k)?.message).value;
    const pipelineNamespace = checked("pipelineNamespace") as pulumi.Input<string>;
    const mode = args.mode ?? ObjectStoreMode.Minio;
    const bucket = args.bucketName ?? `${name}-artifacts`;
    const base = {
      platform: "kubernetes" as const,
      scheme: "s3" as const,
      bucket,
      ...layoutUris({ scheme: "s3", bucket }),
      containerRegistry: checked("containerRegistry") as pulumi.Input<string>,
      imagePullSecretName: args.imagePullSecret,
      serviceAccountAnnotations: {},
    };

    if (mode === ObjectStoreMode.External) {
      const ep = parseEndpoint(args.endpoint!)!;
      this.contract = {
        ...base,
        s3Endpoint: args.endpoint!.replace(/\/$/, ""),
        credentialsSecretName: args.credentialsSecret!,
        identity: isKnown(pipelineNamespace)
          ? `secret/${pipelineNamespace}/${args.credentialsSecret}`
          : pulumi.interpolate`secret/${pipelineNamespace}/${args.credentialsSecret}`,
        egress: ep.ip
          ? { hosts: [], cidrs: [ep.host.includes(":") ? `${ep.host}/128` : `${ep.host}/32`], ports: [ep.port] }
          : { hosts: [ep.host], cidrs: [], ports: [ep.port] },
      };
      this.registerOutputs({ contract: this.contract });
      return;
    }

    const keep = { protect: args.protect, retainOnDelete: args.retainOnDelete };
    const ns = args.namespace ?? MINIO_DEFAULTS.namespace;
    const fullname = `${name}-minio`;
    const labels = { "app.kubernetes.io/part-of": "finetune-kit", "app.kubernetes.io/component": "artifact-store" };
    const deps: pulumi.Resource[] = [];

    if (args.createNamespace ?? true) {
      deps.push(
        new k8s.core.v1.Namespace(
          `${name}-namespace`,
          {
            metadata: {
              name: ns,
              labels: { ...labels, ...RESTRICTED_NAMESPACE_LABELS },
            },
          },
          statefulOptions(this, keep),
        ),
      );
    }

    let storageClassName: pulumi.Input<string> | undefined = checked("storageClass");
    if (args.provisioner) {
      storageClassName = `${name}-retain`;
      deps.push(
        new k8s.storage.v1.StorageClass(
          `${name}-storage-class`,
          {
            metadata: { name: storageClassName, labels },
            provisioner: args.provisioner,
            reclaimPolicy: "Retain",
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
            parameters: args.storageParameters ?? {},
          },
          statefulOptions(this, keep),
        ),
      );
    }

    const pvcName = `${fullname}-data`;
    this.pvc = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      {
        metadata: {
          name: pvcName,
          namespace: ns,
          labels,
          // WaitForFirstConsumer: the claim binds when MinIO's pod is scheduled, so Pulumi must not wait for it.
          annotations: { "pulumi.com/skipAwait": "true" },
        },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: args.storageSize ?? MINIO_DEFAULTS.storageSize } } },
      },
      statefulOptions(this, keep, { dependsOn: [...deps] }),
    );

    const rootSecretName = `${fullname}-root`;
    const rootSecret = new k8s.core.v1.Secret(
      `${name}-root-credentials`,
      {
        metadata: { name: rootSecretName, namespace: ns, labels },
        type: "Opaque",
        stringData: {
          rootUser: checkedSecret(args.rootUser ?? MINIO_DEFAULTS.rootUser, "rootUser"),
          rootPassword: checkedSecret(args.rootPassword!, "rootPassword"),
        },
      },
      { parent: this, dependsOn: [...deps] },
    );
    const accessKey = args.pipelineAccessKey ?? `${name}-pipeline`;
    const pipelineKey = checkedSecret(args.pipelineSecretKey!, "pipelineSecretKey");
    const userSecretName = `${fullname}-pipeline-user`;
    const userSecret = new k8s.core.v1.Secret(
      `${name}-pipeline-user`,
      { metadata: { name: userSecretName, namespace: ns, labels }, type: "Opaque", stringData: { secretKey: pipelineKey } },
      { parent: this, dependsOn: [...deps] },
    );

    const scheme = args.tlsSecretName ? "https" : "http";
    const serviceHost = `${fullname}.${ns}.svc.cluster.local`;
    const endpoint = `${scheme}://${serviceHost}:${MINIO_API_PORT}`;
    const credentialsSecretName = `${name}-s3-credentials`;
    new k8s.core.v1.Secret(
      `${name}-s3-credentials`,
      {
        metadata: { name: credentialsSecretName, namespace: pipelineNamespace, labels },
        type: "Opaque",
        // envFrom-ready: boto3/AWS SDKs read the endpoint and region from these variables too.
        stringData: { AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: pipelineKey, AWS_ENDPOINT_URL_S3: endpoint, AWS_REGION: "us-east-1" },
      },
      { parent: this },
    );

    // Only the pipeline namespace (and MinIO's own post-install job) may reach the S3 port.
    new k8s.networking.v1.NetworkPolicy(
      `${name}-minio-ingress`,
      {
        metadata: { name: `${fullname}-ingress`, namespace: ns, labels },
        spec: {
          podSelector: { matchLabels: { app: "minio", release: fullname } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [pipelineNamespace, ns].map((n) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } } })),
              ports: [{ protocol: "TCP", port: MINIO_API_PORT }],
            },
          ],
        },
      },
      { parent: this, dependsOn: [...deps] },
    );

    const values = minioValues({
      fullname,
      bucket,
      rootSecretName,
      pvcName,
      pipelineUser: { accessKey, secretName: userSecretName, secretKey: "secretKey" },
      policyName: `${name}-pipeline-rw`,
      image: args.minioImage ? parseImage(args.minioImage) : REGISTRY_IMAGES.minio,
      mcImage: args.mcImage ? parseImage(args.mcImage) : REGISTRY_IMAGES.mc,
      tlsSecretName: args.tlsSecretName,
      console: args.console ?? false,
      resources: MINIO_DEFAULTS.resources,
    });
    this.release = new k8s.helm.v3.Release(
      `${name}-minio`,
      {
        name: fullname,
        namespace: ns,
        chart: REGISTRY_CHARTS.minio.chart,
        version: REGISTRY_CHARTS.minio.version,
        repositoryOpts: { repo: REGISTRY_CHARTS.minio.repo },
        values,
        createNamespace: false,
        atomic: false,
        cleanupOnFail: false,
        timeout: 600,
        maxHistory: 10,
      },
      statefulOptions(this, keep, { dependsOn: [this.pvc, rootSecret, userSecret] }),
    );

    this.contract = {
      ...base,
      s3Endpoint: endpoint,
      credentialsSecretName,
      identity: isKnown(pipelineNamespace)
        ? `secret/${pipelineNamespace}/${credentialsSecretName}`
        : pulumi.interpolate`secret/${pipelineNamespace}/${credentialsSecretName}`,
      egress: { hosts: [serviceHost], cidrs: [], ports: [MINIO_API_PORT] },
    };
    this.registerOutputs({ contract: this.contract, releaseStatus: this.release.status });
  }
}
