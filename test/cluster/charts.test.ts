import { describe, expect, it } from "vitest";
import { runPolicies, type PolicyResource } from "../../policy/engine";
import { podRefsOf, type KubeObject } from "../../policy/lib/kubernetes";
import { kubernetesPolicies, unpinnedImage } from "../../policy/policies/kubernetes";
import { argoWorkflowsValues } from "../../components/platform/values";
import { validateObjectMeta } from "../validators/builtin";
import { validateAgainstCrd } from "../validators/crds";
import { helmTemplate, type RenderedObject } from "../validators/helm";
import { validateKubernetesObject } from "../validators/kubernetes";
import { allRenderedReleases, type RenderedRelease } from "./releases";

/**
 * Every pinned chart of every stack and example, rendered with the kit's values, held to the kit's own
 * standard: strict upstream schemas (shared/schemas, and the CRDs the chart itself ships for its CRs), Pod
 * Security Standards restricted outside the GPU Operator namespace (the policy pack's own PSS policies), images
 * pinned, CPU and memory requests on every container the kit causes to run.
 */

/** `kind/namespace/name` of a rendered object. */
function id(o: RenderedObject): string {
  return `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name ?? "?"}`;
}

/** The object as the API server stores it: `null` fields are dropped when it decodes the request. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null)
        .map(([k, x]) => [k, withoutNulls(x)]),
    );
  return v;
}

/** Strict schema errors of a release's objects; CRs without a CRD in shared/schemas use the CRD the chart ships. */
function schemaFindings(rel: RenderedRelease): string[] {
  const crds = rel.objects.filter((o) => o.kind === "CustomResourceDefinition");
  return rel.objects.flatMap((raw) => {
    const o = withoutNulls(raw) as RenderedObject;
    const errors = validateKubernetesObject(o);
    if (!errors.some((e) => e.includes(": no schema for "))) return errors;
    const crd = crds.find((c) => {
      const spec = c.spec as { group?: string; names?: { kind?: string } };
      return spec.names?.kind === o.kind && o.apiVersion.startsWith(`${spec.group}/`);
    });
    if (!crd) return errors;
    return [...validateAgainstCrd(o, crd), ...validateObjectMeta(o)].map((e) => `${o.kind}/${o.metadata.name}: ${e}`);
  });
}

/** The Pulumi type token of a Kubernetes object (`apps/v1` Deployment → `kubernetes:apps/v1:Deployment`). */
function typeToken(o: RenderedObject): string {
  return `kubernetes:${o.apiVersion.includes("/") ? o.apiVersion : `core/${o.apiVersion}`}:${o.kind}`;
}

function asPolicyResource(rel: RenderedRelease, o: RenderedObject): PolicyResource {
  return {
    type: typeToken(o),
    name: id(o),
    urn: `helm:${rel.release}::${id(o)}`,
    inputs: o as Record<string, unknown>,
    protect: false,
    retainOnDelete: false,
    dependsOn: [],
  };
}

/** The policy pack's Pod Security Standards policies (the same checks `pulumi preview --policy-pack` runs). */
const PSS_POLICIES = kubernetesPolicies.filter((p) => p.name.startsWith("pss-") || p.name === "no-host-path");

/** PSS restricted violations of a release's pods; pods in `privilegedNamespaces` (the GPU Operator's) are exempt. */
function pssFindings(rel: RenderedRelease, privilegedNamespaces: string[]): string[] {
  const config = Object.fromEntries(PSS_POLICIES.map((p) => [p.name, { privilegedNamespaces }]));
  return runPolicies(
    rel.objects.map((o) => asPolicyResource(rel, o)),
    {},
    { policies: PSS_POLICIES, config },
  ).map((v) => `${v.policy}: ${v.message}`);
}

/** Kinds of the prometheus-operator whose pods the operator builds from `spec.image` and `spec.resources`. */
const OPERATOR_POD_KINDS = new Set(["Prometheus", "Alertmanager", "ThanosRuler"]);

interface RunContainer {
  where: string;
  image?: string;
  resources?: { requests?: Record<string, unknown> };
  /** Pod-level `spec.resources` (Kubernetes ≥ 1.34): its requests cover every container of the pod. */
  podResources?: { requests?: Record<string, unknown> };
}

/**
 * ClusterPolicy operands the GPU Operator runs on container (non-sandbox) GPU nodes when enabled; the validator
 * always runs. `spec.<operand>.resources` becomes the resources of the operand's DaemonSet containers.
 */
const GPU_OPERANDS = ["driver", "toolkit", "devicePlugin", "dcgm", "dcgmExporter", "gfd", "migManager", "nodeStatusExporter", "gds", "gdrcopy", "validator"];

/** The operands a ClusterPolicy makes the operator run, as containers (one per operand). */
function operandContainers(o: RenderedObject): RunContainer[] {
  const spec = (o.spec ?? {}) as Record<
    string,
    { enabled?: boolean; repository?: string; image?: string; version?: string; resources?: RunContainer["resources"] }
  >;
  return GPU_OPERANDS.filter((k) => spec[k] && (k === "validator" || spec[k].enabled === true)).map((k) => ({
    where: `${id(o)} operand ${k} (the DaemonSet the operator creates)`,
    image: `${spec[k].repository}/${spec[k].image}:${spec[k].version}`,
    resources: spec[k].resources,
  }));
}

/** Every container the release runs: pod templates (init containers and Argo sidecars included) and operator CRs. */
function containersOf(rel: RenderedRelease): RunContainer[] {
  return rel.objects.flatMap((o): RunContainer[] => {
    if (OPERATOR_POD_KINDS.has(o.kind) && o.apiVersion.startsWith("monitoring.coreos.com/")) {
      const spec = (o.spec ?? {}) as { image?: string; resources?: RunContainer["resources"] };
      return [{ where: `${id(o)} (the pods the operator creates)`, image: spec.image, resources: spec.resources }];
    }
    if (o.kind === "ClusterPolicy" && o.apiVersion === "nvidia.com/v1") return operandContainers(o);
    return podRefsOf(o as unknown as KubeObject).flatMap((p) =>
      p.containers.map((c) => ({
        where: `${id(o)} container "${c.name}"`,
        image: c.container.image as string | undefined,
        resources: c.container.resources as RunContainer["resources"],
        podResources: p.spec.resources as RunContainer["podResources"],
      })),
    );
  });
}

/** Containers whose image is absent, untagged or `latest`. */
function imageFindings(rel: RenderedRelease): string[] {
  return containersOf(rel).flatMap((c) => {
    if (!c.image) return [`${c.where} has no image (the runtime would refuse it; set one, pinned)`];
    const why = unpinnedImage(c.image);
    return why ? [`${c.where}: image ${c.image} ${why} (pin it to a version tag or digest through the chart's values)`] : [];
  });
}

/**
 * Containers the chart gives no way to set requests for (no values key), with the reason they may run without.
 * Keyed by `kind/namespace/name container "name"`.
 */
const REQUESTS_EXEMPT: Readonly<Record<string, string>> = {
  // gpu-operator v26.3.2 templates/upgrade_crd.yaml renders no resources and reads none from values; a
  // pre-upgrade hook that applies three CRDs and exits (turning it off, operator.upgradeCRD, would leave the
  // ClusterPolicy CRD stale on upgrades: helm never upgrades crds/).
  'Job/gpu-operator/gpu-operator-upgrade-crd container "upgrade-crd"': "chart has no values key for the hook's resources",
};

/** Containers without CPU and memory requests (the scheduler would place them as BestEffort). */
function requestFindings(rel: RenderedRelease): string[] {
  return containersOf(rel).flatMap((c) => {
    if (REQUESTS_EXEMPT[c.where]) return [];
    const has = (r: string): boolean =>
      ![undefined, ""].includes(c.resources?.requests?.[r] as string) || ![undefined, ""].includes(c.podResources?.requests?.[r] as string);
    const missing = ["cpu", "memory"].filter((r) => !has(r));
    return missing.length
      ? [`${c.where} has no ${missing.map((m) => `${m} request`).join(" and ")} (set resources.requests through the release's values)`]
      : [];
  });
}

/** Namespaces of the GPU Operator releases of a program (the only namespaces allowed privileged pods). */
function gpuOperatorNamespaces(releases: RenderedRelease[]): string[] {
  return [...new Set(releases.filter((r) => r.chart.split("/").pop() === "gpu-operator").map((r) => r.namespace))];
}

/** Findings of one check over every release of every program, each prefixed with program and release. */
async function everyRelease(check: (rel: RenderedRelease, all: RenderedRelease[]) => string[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of await allRenderedReleases()) {
    for (const rel of p.releases) {
      // The same chart, namespace and values render the same objects: judge them once.
      const key = JSON.stringify([rel.release, rel.chart, rel.namespace, rel.values, gpuOperatorNamespaces(p.releases)]);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(...check(rel, p.releases).map((f) => `${p.program} / ${rel.release}: ${f}`));
    }
  }
  return out;
}

/** A rendered release of the kubernetes stack, copied so that a test can plant a fault in it. */
async function kubernetesRelease(release: string): Promise<RenderedRelease> {
  const stack = (await allRenderedReleases()).find((p) => p.program === "stack kubernetes");
  const rel = stack?.releases.find((r) => r.release === release);
  if (!rel) throw new Error(`no release ${release} in the kubernetes stack`);
  return structuredClone(rel);
}

function find(rel: RenderedRelease, kind: string, name: string): RenderedObject & { spec: Record<string, any> } {
  const o = rel.objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in ${rel.release}: ${rel.objects.map(id).join(", ")}`);
  return o as RenderedObject & { spec: Record<string, any> };
}

const TIMEOUT = 240_000;

describe("pinned charts rendered with the kit's values", () => {
  it("every stack and example installs its releases from charts that render", { timeout: TIMEOUT }, async () => {
    const all = await allRenderedReleases();
    expect(all.map((p) => [p.program, p.releases.map((r) => `${r.namespace}/${r.release}`).sort()])).toEqual([
      [
        "stack kubernetes",
        [
          "finetune-storage/finetune-minio",
          "finetune-system/argo-workflows",
          "finetune-system/jobset",
          "gpu-operator/gpu-operator",
          "kueue-system/kueue",
          "monitoring/kube-prometheus-stack",
        ],
      ],
      ["stack gcp", ["finetune-system/argo-workflows", "finetune-system/jobset", "kueue-system/kueue"]],
      ["stack aws-sagemaker", []],
      ["example eks-karpenter-pipeline", ["finetune-system/argo-workflows", "finetune-system/jobset", "gpu-operator/gpu-operator", "kueue-system/kueue"]],
      ["example gke-spot-pipeline", ["finetune-system/argo-workflows", "finetune-system/jobset", "kueue-system/kueue"]],
    ]);
    for (const p of all) for (const r of p.releases) expect(r.objects.length, `${p.program} / ${r.release}`).toBeGreaterThan(0);
  });

  it("every rendered object passes the strict upstream schema (or the CRD its chart ships)", { timeout: TIMEOUT }, async () => {
    expect(await everyRelease((rel) => schemaFindings(rel))).toEqual([]);
  });

  it("every pod meets Pod Security Standards restricted outside the GPU Operator namespace", { timeout: TIMEOUT }, async () => {
    expect(await everyRelease((rel, all) => pssFindings(rel, gpuOperatorNamespaces(all)))).toEqual([]);
  });

  it("every container image is pinned to a tag or digest", { timeout: TIMEOUT }, async () => {
    expect(await everyRelease((rel) => imageFindings(rel))).toEqual([]);
  });

  it("every container the kit causes to run requests CPU and memory", { timeout: TIMEOUT }, async () => {
    expect(await everyRelease((rel) => requestFindings(rel))).toEqual([]);
  });
});

describe("chart checks catch planted faults", () => {
  it("schema: an unknown field in a chart's Deployment and in a CR checked against the chart's own CRD", { timeout: TIMEOUT }, async () => {
    const rel = await kubernetesRelease("kube-prometheus-stack");
    find(rel, "Deployment", "kube-prometheus-stack-operator").spec.replica = 1;
    find(rel, "Prometheus", "kube-prometheus-stack-prometheus").spec.retentionDays = 30;
    expect(schemaFindings(rel)).toEqual([
      'Deployment/kube-prometheus-stack-operator: /spec must NOT have additional property "replica"',
      'Prometheus/kube-prometheus-stack-prometheus: /spec must NOT have additional property "retentionDays"',
    ]);
  });

  it("PSS: a privileged container outside the GPU Operator namespace is reported, inside it is not", { timeout: TIMEOUT }, async () => {
    const rel = await kubernetesRelease("jobset");
    const deployment = find(rel, "Deployment", "jobset-controller");
    deployment.spec.template.spec.containers[0].securityContext.privileged = true;
    expect(pssFindings(rel, ["gpu-operator"])).toEqual([
      'pss-no-privileged: Deployment "jobset-controller": container "controller" is privileged (set spec.template.spec.containers[0].securityContext.privileged: false; only the GPU Operator namespace may run privileged pods)',
    ]);
    expect(pssFindings(rel, ["finetune-system"])).toEqual([]);
  });

  it("images: an untagged and a latest image are reported", { timeout: TIMEOUT }, async () => {
    const rel = await kubernetesRelease("kube-prometheus-stack");
    find(rel, "Deployment", "kube-prometheus-stack-operator").spec.template.spec.containers[0].image = "quay.io/prometheus-operator/prometheus-operator";
    find(rel, "Prometheus", "kube-prometheus-stack-prometheus").spec.image = "quay.io/prometheus/prometheus:latest";
    expect(imageFindings(rel)).toEqual([
      'Deployment/monitoring/kube-prometheus-stack-operator container "kube-prometheus-stack": image quay.io/prometheus-operator/prometheus-operator has no tag (defaults to latest) (pin it to a version tag or digest through the chart\'s values)',
      "Prometheus/monitoring/kube-prometheus-stack-prometheus (the pods the operator creates): image quay.io/prometheus/prometheus:latest uses the latest tag (pin it to a version tag or digest through the chart's values)",
    ]);
  });

  it("requests: a container without requests and a Prometheus without a memory request are reported", { timeout: TIMEOUT }, async () => {
    const rel = await kubernetesRelease("kube-prometheus-stack");
    delete find(rel, "Deployment", "kube-prometheus-stack-operator").spec.template.spec.containers[0].resources;
    delete find(rel, "Prometheus", "kube-prometheus-stack-prometheus").spec.resources.requests.memory;
    expect(requestFindings(rel)).toEqual([
      'Deployment/monitoring/kube-prometheus-stack-operator container "kube-prometheus-stack" has no cpu request and memory request (set resources.requests through the release\'s values)',
      "Prometheus/monitoring/kube-prometheus-stack-prometheus (the pods the operator creates) has no memory request (set resources.requests through the release's values)",
    ]);
  });
});

describe("chart checks catch planted faults (GPU Operator)", () => {
  it("requests: a ClusterPolicy operand without requests is reported, a disabled one is not", { timeout: TIMEOUT }, async () => {
    const rel = await kubernetesRelease("gpu-operator");
    const policy = find(rel, "ClusterPolicy", "cluster-policy");
    delete policy.spec.dcgmExporter.resources;
    delete policy.spec.migManager.resources;
    policy.spec.migManager.enabled = false;
    expect(requestFindings(rel)).toEqual([
      "ClusterPolicy/cluster-policy operand dcgmExporter (the DaemonSet the operator creates) has no cpu request and memory request (set resources.requests through the release's values)",
    ]);
  });
});

describe("Argo's reach", () => {
  /** Kind, namespace and name of every RBAC object that binds the controller's ServiceAccount, and what it binds. */
  function controllerBindings(objects: RenderedObject[]): string[] {
    return objects
      .filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")
      .filter((o) => ((o.subjects ?? []) as Array<{ name: string }>).some((x) => x.name === "argo-workflows-workflow-controller"))
      .map((o) => `${id(o)} → ${(o.roleRef as { kind: string; name: string }).kind} ${(o.roleRef as { name: string }).name}`)
      .sort();
  }

  it("one pipeline namespace: the controller runs namespaced, watches only it, and holds no cluster-wide role", { timeout: TIMEOUT }, async () => {
    const rel = await kubernetesRelease("argo-workflows");
    const controller = find(rel, "Deployment", "argo-workflows-workflow-controller");
    const args = controller.spec.template.spec.containers[0].args as string[];
    expect(args).toEqual(expect.arrayContaining(["--namespaced"]));
    expect(args.slice(args.indexOf("--managed-namespace"), args.indexOf("--managed-namespace") + 2)).toEqual(["--managed-namespace", "finetune"]);
    expect(controllerBindings(rel.objects)).toEqual([
      "RoleBinding/finetune-system/argo-workflows-workflow-controller → Role argo-workflows-workflow-controller",
      "RoleBinding/finetune/argo-workflows-workflow-controller → Role argo-workflows-workflow-controller",
    ]);
    // Cluster-wide RBAC left: only the chart's CRD install Job (it applies the CRDs).
    expect(rel.objects.filter((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding").map(id)).toEqual([
      "ClusterRole/argo-workflows-crd-install",
      "ClusterRoleBinding/argo-workflows-crd-install",
    ]);
  });

  it("several pipeline namespaces: cluster-wide, without ClusterWorkflowTemplate access (planted: a second namespace)", { timeout: TIMEOUT }, () => {
    const values = argoWorkflowsValues({ workflowNamespaces: ["team-a", "team-b"], server: false, namespace: "finetune-system" });
    const objects = helmTemplate({ release: "argo-workflows", chart: "argo-workflows", namespace: "finetune-system", values });
    const controller = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "argo-workflows-workflow-controller") as RenderedObject & {
      spec: Record<string, any>;
    };
    expect(controller.spec.template.spec.containers[0].args).not.toContain("--namespaced");
    expect(controllerBindings(objects)).toEqual(["ClusterRoleBinding/argo-workflows-workflow-controller → ClusterRole argo-workflows-workflow-controller"]);
    expect(objects.filter((o) => o.kind === "ClusterRole").map((o) => o.metadata.name)).toEqual([
      "argo-workflows-workflow-controller",
      "argo-workflows-crd-install",
    ]);
    const rules = (objects.find((o) => o.kind === "ClusterRole" && o.metadata.name === "argo-workflows-workflow-controller")!.rules ?? []) as Array<{
      resources: string[];
    }>;
    expect(rules.flatMap((r) => r.resources)).not.toContain("clusterworkflowtemplates");
    expect(rules.flatMap((r) => r.resources)).toContain("workflows");
  });
});
