import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { renderGitOps } from "../../examples/gitops-render/index";
import { validateKubernetesObject } from "../validators/kubernetes";

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "finetune-gitops-"));
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

/** Every file under a folder, relative, sorted. */
function walk(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]))
    .sort();
}
const read = (file: string) => fs.readFileSync(path.join(outDir, file), "utf8");

describe("examples/gitops-render", () => {
  // A stale file from an earlier render must not survive (a removed object would otherwise stay in Git).
  fs.mkdirSync(path.join(outDir, "manifests"), { recursive: true });
  fs.writeFileSync(path.join(outDir, "manifests", "99-stale.yaml"), "kind: Stale\n");
  const result = renderGitOps(outDir);

  it("writes exactly the files it reports, and nothing stale", () => {
    expect(walk(outDir)).toEqual(result.files);
    expect(result.files).toEqual(
      expect.arrayContaining([
        "kustomization.yaml",
        "charts.yaml",
        "pipeline.mmd",
        "values/argo-workflows.yaml",
        "values/jobset.yaml",
        "values/kueue.yaml",
        "values/gpu-operator.yaml",
      ]),
    );
  });

  it("writes one Kubernetes object per manifest file, each accepted by the upstream validators", () => {
    const manifests = result.files.filter((f) => f.startsWith("manifests/"));
    expect(manifests.length).toBe(result.objects.length);
    const errors: string[] = [];
    for (const file of manifests) {
      const docs = parseAllDocuments(read(file));
      expect(docs, file).toHaveLength(1);
      errors.push(...validateKubernetesObject(docs[0].toJS() as object).map((e) => `${file}: ${e}`));
    }
    expect(errors).toEqual([]);
  });

  it("lists every manifest in kustomization.yaml, namespace first and the WorkflowTemplate after its ServiceAccount", () => {
    const k = parse(read("kustomization.yaml")) as { apiVersion: string; kind: string; resources: string[] };
    expect(k).toMatchObject({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization" });
    expect(k.resources).toEqual(result.files.filter((f) => f.startsWith("manifests/")));
    const kinds = k.resources.map((f) => (parse(read(f)) as { kind: string }).kind);
    expect(kinds[0]).toBe("Namespace");
    expect(kinds.indexOf("WorkflowTemplate")).toBeGreaterThan(kinds.indexOf("ServiceAccount"));
    expect(kinds.indexOf("LocalQueue")).toBeGreaterThan(kinds.indexOf("ClusterQueue"));
  });

  it("renders the PSS-restricted default-deny namespace, the Kueue queues and the pipeline for the existing nodes", () => {
    const byKind = (kind: string) => result.objects.filter((o) => o.kind === kind) as Array<Record<string, any>>;
    expect(byKind("Namespace")[0].metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted" });
    expect(byKind("NetworkPolicy").find((p) => p.metadata.name === "default-deny-all")!.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(byKind("ResourceFlavor").map((f) => f.metadata.name)).toEqual(["l4-spot-spot", "l4-spot-on-demand"]);
    expect(byKind("LocalQueue")[0].metadata).toMatchObject({ name: "l4-spot", namespace: "ml-pipelines" });
    const wt = byKind("WorkflowTemplate")[0];
    expect(wt.metadata).toMatchObject({ name: "doc-classifier", namespace: "ml-pipelines" });
    const text = JSON.stringify(wt.spec);
    expect(text).toContain("kueue.x-k8s.io/queue-name");
    expect(text).toContain("https://s3.acme.internal:9000");
    // Every object is namespaced into the pipeline namespace, except the cluster-scoped ones.
    const clusterScoped = new Set(["Namespace", "ResourceFlavor", "ClusterQueue"]);
    expect(result.objects.filter((o) => !clusterScoped.has(o.kind) && o.metadata.namespace !== "ml-pipelines").map((o) => o.kind)).toEqual([]);
  });

  it("keeps no secret in Git: the store credentials are referenced, never written", () => {
    expect(result.objects.some((o) => o.kind === "Secret")).toBe(false);
    expect(JSON.stringify(result.objects)).toContain("finetune-store-credentials");
  });

  it("writes pinned Helm charts with their values files (GPU Operator installing the driver on bare Kubernetes)", () => {
    const charts = parse(read("charts.yaml")) as Record<string, { chart: string; version: string; values: string }>;
    expect(Object.keys(charts).sort()).toEqual(["argo-workflows", "gpu-operator", "jobset", "kueue"]);
    for (const [name, c] of Object.entries(charts)) {
      expect(c.version, name).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(result.files, name).toContain(c.values);
    }
    const gpuOperator = parse(read("values/gpu-operator.yaml")) as { driver: { enabled: boolean } };
    expect(gpuOperator.driver.enabled).toBe(true);
    const argo = parse(read("values/argo-workflows.yaml")) as Record<string, unknown>;
    expect(JSON.stringify(argo)).toContain("ml-pipelines");
  });

  it("writes the pipeline DAG as Mermaid with the evaluation gate before deployment", () => {
    const mmd = read("pipeline.mmd");
    expect(mmd.startsWith("flowchart")).toBe(true);
    expect(mmd).toContain("evaluation_gate -- passed --> deployment");
  });

  it("refuses a gated model without a named hub-token Secret (GitOps keeps no tokens)", () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "finetune-gitops-gated-"));
    try {
      expect(() => renderGitOps(other, { pipelineFile: path.join(__dirname, "..", "..", "pipelines", "examples", "support-assistant.yaml") })).toThrow(
        /meta-llama\/Llama-3\.1-8B-Instruct is gated; GitOps keeps no secrets in Git \(name the Secret your secret manager creates in baseModel\.hubTokenSecret\)/,
      );
      expect(walk(other)).toEqual([]);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
