/**
 * The cloud side of a stack as one state: resolves every image, object-store URI and ARN that a SageMaker
 * pipeline definition, pod or Deployment references against what the stack creates (recorded resources) or
 * is given (config). Each check returns findings (one line each); an empty list means everything resolves.
 */
import type { RecordedResource } from "../../plan/mock-engine";
import type { KubernetesManifest } from "../../plan/manifests";
import { manifestImages, pinnedImages, qualified, type ImageSourceEntry } from "../../plan/images";

/** One IAM statement as the stack writes it. */
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM's wildcard matching (`*` any run, `?` one character), whole string, case-sensitive. */
export function iamMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "s",
  );
  return re.test(value);
}

/** Does one of `statements` allow `action` on `resource`? (Allow statements only: the kit writes no Deny in identity policies.) */
export function allows(statements: Statement[], action: string, resource: string): boolean {
  return statements.some((s) => s.Effect === "Allow" && list(s.Action).some((a) => iamMatch(a, action)) && list(s.Resource).some((r) => iamMatch(r, resource)));
}

/** The inline policy statements of every role, by role name (`aws:iam/rolePolicy:RolePolicy` documents parsed). */
export function rolePolicies(resources: RecordedResource[]): Map<string, Statement[]> {
  const out = new Map<string, Statement[]>();
  for (const r of resources.filter((x) => x.type === "aws:iam/rolePolicy:RolePolicy")) {
    const role = String(r.inputs.role);
    const doc = JSON.parse(String(r.inputs.policy)) as { Statement: Statement[] };
    out.set(role, [...(out.get(role) ?? []), ...doc.Statement]);
  }
  return out;
}

/** A SageMaker definition of the state, with the role the pipeline runs as. */
export interface SageMakerDefinition {
  pipeline: string;
  definition: Record<string, unknown>;
  /** The role the pipeline runs as (steps without their own role act as it). */
  roleArn: string;
}

/** Every SageMaker pipeline definition the stack creates. */
export function sageMakerDefinitions(resources: RecordedResource[]): SageMakerDefinition[] {
  return resources
    .filter((r) => r.type === "aws:sagemaker/pipeline:Pipeline")
    .map((r) => ({
      pipeline: String(r.inputs.pipelineName),
      definition: JSON.parse(String(r.inputs.pipelineDefinition)) as Record<string, unknown>,
      roleArn: String(r.inputs.roleArn),
    }));
}

type Json = unknown;
interface Step {
  Name: string;
  Arguments?: Record<string, Json>;
}

/** Every step, Condition branches included. */
function steps(definition: Record<string, unknown>): Step[] {
  const out: Step[] = [];
  const add = (s: Step): void => {
    out.push(s);
    for (const branch of ["IfSteps", "ElseSteps"]) for (const b of list(s.Arguments?.[branch] as Step[] | undefined)) add(b);
  };
  for (const s of (definition.Steps ?? []) as Step[]) add(s);
  return out;
}

/** `(path, value)` of every leaf under `v`. */
function leaves(v: Json, path: string[] = []): Array<[string[], Json]> {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...path, String(i)]));
  if (v && typeof v === "object") {
    // A `Std:Join` or `Get` is one value, not a subtree.
    if ("Std:Join" in v || "Get" in v) return [[path, v]];
    return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  }
  return [[path, v]];
}

/**
 * The literal part of a value: a string as is; a `Std:Join` up to its first non-literal (a prefix: `open`);
 * a pipeline parameter as its default. Other `Get`s (outputs of earlier steps) resolve where they are produced.
 */
function literal(v: Json, params: Map<string, string>): { text: string; open: boolean } | undefined {
  if (typeof v === "string") return { text: v, open: false };
  if (v && typeof v === "object" && "Get" in v) {
    const get = String((v as { Get: string }).Get);
    const p = get.startsWith("Parameters.") ? params.get(get.slice("Parameters.".length)) : undefined;
    return p === undefined ? undefined : { text: p, open: false };
  }
  if (v && typeof v === "object" && "Std:Join" in v) {
    const j = (v as { "Std:Join": { On: string; Values: Json[] } })["Std:Join"];
    let text = "";
    for (const x of j.Values) {
      if (typeof x !== "string") return { text, open: true };
      text += (text ? j.On : "") + x;
    }
    return { text, open: false };
  }
  return undefined;
}

/** Keys (the last path component) whose values are images / object-store locations written / read. */
const IMAGE_KEYS = new Set(["ImageUri", "TrainingImage", "Image"]);
const WRITE_PATHS = [/S3Output\/S3Uri$/, /OutputDataConfig\/S3OutputPath$/, /CheckpointConfig\/S3Uri$/];
const ARN_ROLE_KEYS = new Set(["RoleArn", "ExecutionRoleArn"]);

/** One reference a step makes. */
export interface StepReference {
  pipeline: string;
  step: string;
  /** Path of the value in the step's Arguments, `/`-separated. */
  path: string;
  kind: "image" | "s3-read" | "s3-write" | "arn";
  value: string;
  /** For URIs: the literal is a prefix (the rest is only known at run time). */
  open?: boolean;
  /** The role the step's jobs run as (`RoleArn` / `ExecutionRoleArn`), or the pipeline's. */
  roleArn?: string;
}

/** Every image, S3 URI and ARN of a definition, per step. */
export function stepReferences(d: SageMakerDefinition): StepReference[] {
  const params = new Map(((d.definition.Parameters ?? []) as Array<{ Name: string; DefaultValue?: string }>).map((p) => [p.Name, String(p.DefaultValue)]));
  const out: StepReference[] = [];
  for (const s of steps(d.definition)) {
    const args = { ...(s.Arguments ?? {}) };
    delete args.IfSteps;
    delete args.ElseSteps;
    const roleArn = (args.RoleArn ?? args.ExecutionRoleArn ?? d.roleArn) as string;
    for (const [path, v] of leaves(args)) {
      const key = path.filter((p) => !/^\d+$/.test(p)).pop() ?? "";
      const where = path.join("/");
      const lit = literal(v, params);
      if (!lit) continue;
      const ref = { pipeline: d.pipeline, step: s.Name, path: where, roleArn };
      if (IMAGE_KEYS.has(key)) out.push({ ...ref, kind: "image", value: lit.text });
      else if (lit.text.startsWith("s3://"))
        out.push({ ...ref, kind: WRITE_PATHS.some((re) => re.test(where)) ? "s3-write" : "s3-read", value: lit.text, open: lit.open });
      else if (lit.text.startsWith("arn:") || ARN_ROLE_KEYS.has(key)) out.push({ ...ref, kind: "arn", value: lit.text });
    }
  }
  return out;
}

/** What the state offers that references may resolve to. */
export interface CloudState {
  resources: RecordedResource[];
  /** The plan's images.json entries (the mirror command's sources and targets). */
  imageSources: ImageSourceEntry[];
  /** Images the config names as external (stage image overrides): they need no repository the stack creates. */
  externalImages?: string[];
  /** ARNs the config gives (existing keys, roles, secrets). */
  givenArns?: string[];
}

const ECR_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)[:@].+$/;

/**
 * Images: each lives in a repository the stack creates (and the mirror command fills: it has a source) or
 * under a pull-through cache prefix the stack creates (the rule's upstream is its source), or is named external
 * by the config; and the role the step runs as may pull it.
 */
export function imageFindings(state: CloudState, refs: StepReference[]): string[] {
  const repos = new Set(state.resources.filter((r) => r.type === "aws:ecr/repository:Repository").map((r) => String(r.inputs.name)));
  const rules = state.resources
    .filter((r) => r.type === "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    .map((r) => ({ prefix: String(r.inputs.ecrRepositoryPrefix), url: String(r.inputs.upstreamRegistryUrl) }));
  const policies = rolePolicies(state.resources);
  const findings: string[] = [];
  for (const ref of refs.filter((r) => r.kind === "image")) {
    const at = `${ref.pipeline}/${ref.step} ${ref.path}`;
    if (state.externalImages?.includes(ref.value)) continue;
    const m = ECR_URI.exec(ref.value);
    if (!m) {
      findings.push(`${at}: image ${ref.value} is not in an ECR registry (SageMaker pulls only from ECR; mirror it or name it as external)`);
      continue;
    }
    const [, account, region, repo] = m;
    const rule = rules.find((r) => repo.startsWith(`${r.prefix}/`));
    if (!repos.has(repo) && !rule) {
      findings.push(`${at}: image ${ref.value} is in repository ${repo}, which nothing creates (no ECR repository or pull-through cache prefix of the stack)`);
      continue;
    }
    if (!rule && !state.imageSources.some((s) => s.image === ref.value && s.via === "mirror" && s.source)) {
      findings.push(`${at}: image ${ref.value} has no source (neither a pull-through cache rule nor an entry of the mirror command)`);
    }
    const repoArn = `arn:aws:ecr:${region}:${account}:repository/${repo}`;
    const role = ref.roleArn?.split("/").pop();
    const statements = role ? (policies.get(role) ?? []) : [];
    const needed = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", ...(rule ? ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"] : [])];
    for (const action of needed) if (role && !allows(statements, action, repoArn)) findings.push(`${at}: role ${role} may not ${action} on ${repoArn}`);
  }
  return findings;
}

/** S3 URIs: each read (write) lies under a prefix the step's role may `s3:GetObject` (`s3:PutObject`). */
export function s3Findings(state: CloudState, refs: StepReference[]): string[] {
  const policies = rolePolicies(state.resources);
  const findings: string[] = [];
  for (const ref of refs.filter((r) => r.kind === "s3-read" || r.kind === "s3-write")) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(ref.value)!;
    // Any object under the URI (an S3Prefix input, an output folder, or the run-scoped rest of an open prefix).
    const objectArn = `arn:aws:s3:::${m[1]}/${m[2]}${m[2].endsWith("/") || m[2] === "" ? "" : "/"}x`;
    const prefixArn = `arn:aws:s3:::${m[1]}/${m[2]}x`;
    const role = ref.roleArn?.split("/").pop();
    if (!role) {
      findings.push(`${ref.pipeline}/${ref.step} ${ref.path}: ${ref.value} is used by a step without a role`);
      continue;
    }
    const statements = policies.get(role) ?? [];
    const action = ref.kind === "s3-read" ? "s3:GetObject" : "s3:PutObject";
    if (!allows(statements, action, objectArn) && !allows(statements, action, prefixArn)) {
      findings.push(`${ref.pipeline}/${ref.step} ${ref.path}: role ${role} may not ${action} under ${ref.value}${ref.open ? "<run id>" : ""}`);
    }
  }
  return findings;
}

/** ARNs: each IAM role, KMS key or alias, and Secrets Manager secret is one the stack creates or the config gives. */
export function arnFindings(state: CloudState, refs: StepReference[]): string[] {
  const known = new Set<string>(state.givenArns ?? []);
  for (const r of state.resources) if (typeof r.state.arn === "string") known.add(r.state.arn);
  return refs
    .filter((r) => r.kind === "arn" && /^arn:[^:]+:(iam|kms|secretsmanager):/.test(r.value))
    .filter((r) => !known.has(r.value))
    .map((r) => `${r.pipeline}/${r.step} ${r.path}: ${r.value} is not created by the stack nor given by the config`);
}

/** Every finding of the SageMaker side of a state. */
export function sageMakerFindings(state: CloudState): string[] {
  const refs = sageMakerDefinitions(state.resources).flatMap(stepReferences);
  return [...imageFindings(state, refs), ...s3Findings(state, refs), ...s3ListFindings(state, refs), ...arnFindings(state, refs)];
}

/**
 * Pods and Deployments (Kubernetes and GKE): every image has a source: a pin of core/versions.ts (pulled
 * from its upstream registry), an image in the store's registry, or one the config names.
 */
export function podImageFindings(manifests: KubernetesManifest[], o: { externalImages: string[]; containerRegistry?: string }): string[] {
  const pins = pinnedImages();
  return manifestImages(manifests)
    .filter(
      (image) => !pins.has(qualified(image)) && !o.externalImages.includes(image) && !(o.containerRegistry && image.startsWith(`${o.containerRegistry}/`)),
    )
    .map((image) => `image ${image} has no source (not a pin of core/versions.ts, not in the store's registry, not named by the config)`);
}

/** Every `image` the config names (stage image overrides, store image overrides): external, by the user's choice. */
export function configImages(config: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) (k === "image" || k.endsWith("Image")) && typeof x === "string" ? out.push(x) : walk(x);
  };
  walk(config);
  return out;
}

/** An IAM statement with its condition, for the list check. */
interface ConditionedStatement extends Statement {
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * S3Prefix inputs are listed before they are read: the step's role must be allowed `s3:ListBucket` on the
 * bucket with an `s3:prefix` condition (when there is one) that matches the input's key.
 */
export function s3ListFindings(state: CloudState, refs: StepReference[]): string[] {
  const policies = rolePolicies(state.resources) as Map<string, ConditionedStatement[]>;
  const findings: string[] = [];
  for (const ref of refs.filter((r) => r.kind === "s3-read")) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(ref.value)!;
    const role = ref.roleArn?.split("/").pop() ?? "";
    const ok = (policies.get(role) ?? []).some((s) => {
      if (
        s.Effect !== "Allow" ||
        !list(s.Action).some((a) => iamMatch(a, "s3:ListBucket")) ||
        !list(s.Resource).some((r) => iamMatch(r, `arn:aws:s3:::${m[1]}`))
      )
        return false;
      const prefixes = s.Condition?.StringLike?.["s3:prefix"];
      return prefixes === undefined || list(prefixes).some((p) => iamMatch(p, m[2]));
    });
    if (!ok) findings.push(`${ref.pipeline}/${ref.step} ${ref.path}: role ${role} may not list s3://${m[1]} under ${m[2]}`);
  }
  return findings;
}

/** Kinds that run pods (their pod specs name the ServiceAccount whose identity reads and writes the store). */
const POD_KINDS = new Set(["Pod", "Deployment", "StatefulSet", "Job", "CronJob", "JobSet", "Workflow", "WorkflowTemplate", "CronWorkflow"]);
const GCS_URI = /gs:\/\/([a-z0-9][a-z0-9_-]{1,61}[a-z0-9])\//g;

/**
 * GKE: every `gs://` bucket a pod-running object names is one the Google service account of its Kubernetes
 * ServiceAccount (Workload Identity annotation + `roles/iam.workloadIdentityUser` binding) may read and write
 * (`roles/storage.objectUser` on the bucket).
 */
export function gcsFindings(resources: RecordedResource[], manifests: KubernetesManifest[]): string[] {
  const findings: string[] = [];
  const gsaOf = new Map<string, string>();
  for (const m of manifests.filter((x) => x.kind === "ServiceAccount")) {
    const gsa = (m.metadata.annotations as Record<string, string> | undefined)?.["iam.gke.io/gcp-service-account"];
    if (gsa) gsaOf.set(`${m.metadata.namespace}/${m.metadata.name}`, gsa);
  }
  const bindings = resources.filter((r) => r.type === "gcp:serviceaccount/iAMMember:IAMMember" && r.inputs.role === "roles/iam.workloadIdentityUser");
  const grants = resources.filter((r) => r.type === "gcp:storage/bucketIAMMember:BucketIAMMember" && r.inputs.role === "roles/storage.objectUser");
  for (const m of manifests.filter((x) => POD_KINDS.has(x.kind))) {
    const text = JSON.stringify(m);
    const buckets = new Set([...text.matchAll(GCS_URI)].map((x) => x[1]));
    if (buckets.size === 0) continue;
    const accounts = new Set([...text.matchAll(/"serviceAccountName":"([^"]+)"/g)].map((x) => x[1]));
    if (accounts.size === 0) accounts.add("default");
    for (const ksa of accounts) {
      const ns = m.metadata.namespace ?? "default";
      const gsa = gsaOf.get(`${ns}/${ksa}`);
      const where = `${m.kind} ${ns}/${m.metadata.name}`;
      if (!gsa) {
        findings.push(
          `${where}: ServiceAccount ${ksa} has no Workload Identity annotation, so it cannot reach ${[...buckets].map((b) => `gs://${b}`).join(", ")}`,
        );
        continue;
      }
      if (!bindings.some((b) => String(b.inputs.serviceAccountId).endsWith(`/${gsa}`) && String(b.inputs.member).endsWith(`.svc.id.goog[${ns}/${ksa}]`))) {
        findings.push(`${where}: ${ns}/${ksa} may not act as ${gsa} (no roles/iam.workloadIdentityUser binding)`);
      }
      for (const b of buckets) {
        if (!grants.some((g) => g.inputs.bucket === b && g.inputs.member === `serviceAccount:${gsa}`))
          findings.push(`${where}: ${gsa} may not read and write gs://${b} (no roles/storage.objectUser on the bucket)`);
      }
    }
  }
  return findings;
}
