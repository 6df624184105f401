import { describe, expect, it } from "vitest";
import { runWithMocks, type RecordedResource } from "../../plan/mock-engine";
import { expectValidManifests } from "../validators/kubernetes";
import { mandatory, manifestsOf, manifestsOfKind, notOnProvider, packageOf, providerUrn } from "./helpers";

const PROJECT = "gke-spot-pipeline";

describe("examples/gke-spot-pipeline", () => {
  const run = runWithMocks(async () => ({ ...(await import("../../examples/gke-spot-pipeline/index")) }), {
    project: PROJECT,
    config: {
      [`${PROJECT}:project`]: "acme-ml-prod",
      [`${PROJECT}:region`]: "us-central1",
      [`${PROJECT}:clusterName`]: "prod",
      [`${PROJECT}:zones`]: JSON.stringify(["us-central1-a", "us-central1-b"]),
    },
  });
  const nodePools = (resources: RecordedResource[]) => resources.filter((r) => r.type === "gcp:container/nodePool:NodePool");

  it("creates the kit's components on the user's cluster", async () => {
    const { resources } = await run;
    const types = new Set(resources.map((r) => r.type));
    for (const t of [
      "finetune-kit:index:GkeGpuNodePool",
      "finetune-kit:index:CudaDriverStack",
      "finetune-kit:index:KueueInstall",
      "finetune-kit:index:KueueGpuPool",
      "finetune-kit:index:GcpArtifactRegistry",
      "finetune-kit:index:KubernetesPipelinePlatform",
      "finetune-kit:index:PipelineNamespace",
      "finetune-kit:index:KubernetesFineTuningPipeline",
      "gcp:storage/bucket:Bucket",
      "gcp:artifactregistry/repository:Repository",
    ]) {
      expect(types, t).toContain(t);
    }
    // GKE installs the driver: no GPU Operator release, no cluster of our own.
    expect(
      resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .map((r) => r.inputs.name)
        .sort(),
    ).toEqual(["argo-workflows", "jobset", "kueue"]);
    expect(types).not.toContain("gcp:container/cluster:Cluster");
  });

  it("adds a spot node pool and an on-demand fallback to the existing cluster, both from zero", async () => {
    const { resources, outputs } = await run;
    const pools = nodePools(resources);
    expect(pools).toHaveLength(2);
    const spot = pools.find((p) => (p.inputs.nodeConfig as { spot?: boolean }).spot === true)!;
    const onDemand = pools.find((p) => p !== spot)!;
    expect(spot).toBeDefined();
    expect((onDemand.inputs.nodeConfig as { spot?: boolean }).spot ?? false).toBe(false);
    for (const p of pools) {
      expect(p.inputs).toMatchObject({ cluster: "prod", location: "us-central1", project: "acme-ml-prod", nodeLocations: ["us-central1-a", "us-central1-b"] });
      expect(p.inputs.autoscaling).toMatchObject({ totalMinNodeCount: 0 });
      const accel = (
        p.inputs.nodeConfig as { guestAccelerators: Array<{ type: string; count: number; gpuDriverInstallationConfig: { gpuDriverVersion: string } }> }
      ).guestAccelerators[0];
      expect(accel).toMatchObject({ type: "nvidia-l4", count: 1, gpuDriverInstallationConfig: { gpuDriverVersion: "DEFAULT" } });
    }
    expect(spot.inputs.autoscaling).toMatchObject({ totalMaxNodeCount: 2 });
    expect(onDemand.inputs.autoscaling).toMatchObject({ totalMaxNodeCount: 1 });
    expect(outputs.nodePools).toEqual(pools.map((p) => p.inputs.name));
  });

  it("queues spot before on-demand in a LocalQueue of the pipeline namespace", async () => {
    const { resources, outputs } = await run;
    const [cq] = manifestsOfKind(resources, "ClusterQueue");
    const flavors = (
      cq.spec as { resourceGroups: Array<{ flavors: Array<{ name: string; resources: Array<{ name: string; nominalQuota: string | number }> }> }> }
    ).resourceGroups[0].flavors;
    expect(flavors.map((f) => f.name)).toEqual(["l4-spot-spot", "l4-spot-on-demand"]);
    const gpuQuota = flavors.map((f) => String(f.resources.find((r) => r.name === "nvidia.com/gpu")!.nominalQuota));
    expect(gpuQuota).toEqual(["2", "1"]);
    const [lq] = manifestsOfKind(resources, "LocalQueue");
    expect(lq.metadata).toMatchObject({ name: "l4-spot", namespace: "ml-pipelines" });
    expect(outputs.localQueue).toBe("l4-spot");
  });

  it("reads the dataset from the store and binds the pipeline's ServiceAccount with Workload Identity", async () => {
    const { resources, outputs } = await run;
    expect(outputs.datasetUri).toMatch(/^gs:\/\/[a-z0-9.-]+\/datasets\/labelled-v4\.jsonl$/);
    expect(String(outputs.datasetUri).startsWith(String(outputs.bucket))).toBe(true);
    const [template] = manifestsOfKind(resources, "WorkflowTemplate");
    expect(template.metadata).toMatchObject({ name: "doc-classifier", namespace: "ml-pipelines" });
    expect(JSON.stringify(template.spec)).toContain(String(outputs.datasetUri));
    const sa = manifestsOfKind(resources, "ServiceAccount").find((m) => m.metadata.name === "doc-classifier-pipeline")!;
    expect(sa.metadata.annotations).toEqual({ "iam.gke.io/gcp-service-account": outputs.pipelineServiceAccount });
    const wi = resources.find((r) => r.type === "gcp:serviceaccount/iAMMember:IAMMember" && String(r.inputs.member).includes("svc.id.goog"))!;
    expect(wi.inputs.member).toBe("serviceAccount:acme-ml-prod.svc.id.goog[ml-pipelines/doc-classifier-pipeline]");
    expect(outputs.submit).toBe("argo submit --from workflowtemplate/doc-classifier -n ml-pipelines");
  });

  it("protects the registry's stateful resources (bucket, repository, key ring, key)", async () => {
    const { resources } = await run;
    const stateful = resources.filter((r) =>
      ["gcp:storage/bucket:Bucket", "gcp:artifactregistry/repository:Repository", "gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey"].includes(r.type),
    );
    expect(stateful.map((r) => r.type).sort()).toEqual([
      "gcp:artifactregistry/repository:Repository",
      "gcp:kms/cryptoKey:CryptoKey",
      "gcp:kms/keyRing:KeyRing",
      "gcp:storage/bucket:Bucket",
    ]);
    expect(stateful.filter((r) => !r.protect).map((r) => r.name)).toEqual([]);
  });

  it("puts every custom resource on the user's own gcp / kubernetes provider", async () => {
    const { resources } = await run;
    const byPkg = { gcp: providerUrn(resources, "gcp"), kubernetes: providerUrn(resources, "kubernetes") };
    expect(notOnProvider(resources, (r) => byPkg[packageOf(r.type) as keyof typeof byPkg])).toEqual([]);
  });

  it("emits only Kubernetes objects the upstream validators accept", async () => {
    const { resources } = await run;
    const objs = manifestsOf(resources);
    expect(objs.length).toBeGreaterThan(10);
    expectValidManifests(objs);
  });

  it("has zero mandatory policy violations", async () => {
    const { resources } = await run;
    expect(mandatory(resources, PROJECT)).toEqual([]);
  });
});
