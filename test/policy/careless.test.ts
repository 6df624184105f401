import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { runWithMocks } from "../../plan/mock-engine";
import { runPolicies } from "../../policy/engine";

/**
 * A deliberately careless program — what a hurried engineer might write without the kit: a public bucket, a
 * spot training Job with no checkpoint and no preemption rule, a pipeline that deploys without evaluating,
 * and a privileged training pod with a hostPath /dev/shm. The pack must catch exactly these problems.
 */
function carelessProgram(): void {
  const provider = new k8s.Provider("cluster", { context: "lab" });
  const bucket = new aws.s3.Bucket("training-data", { bucket: "acme-training-data" });
  new aws.s3.BucketPublicAccessBlock("training-data-pab", {
    bucket: bucket.id,
    blockPublicAcls: false,
    blockPublicPolicy: false,
    ignorePublicAcls: false,
    restrictPublicBuckets: false,
  });
  const spotPod: k8s.types.input.core.v1.PodTemplateSpec = {
    metadata: { labels: { app: "train" } },
    spec: {
      restartPolicy: "Never",
      nodeSelector: { "cloud.google.com/gke-spot": "true" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      containers: [
        {
          name: "train",
          image: "ghcr.io/acme/trainer:1.0",
          command: ["torchrun", "train.py"],
          resources: { limits: { "nvidia.com/gpu": "1" } },
          securityContext: { privileged: true },
          volumeMounts: [{ name: "shm", mountPath: "/dev/shm" }],
        },
      ],
      volumes: [{ name: "shm", hostPath: { path: "/dev/shm" } }],
    },
  };
  new k8s.batch.v1.Job("train-llama", { metadata: { name: "train-llama", namespace: "ml" }, spec: { backoffLimit: 3, template: spotPod } }, { provider });
  new k8s.apiextensions.CustomResource(
    "pipeline",
    {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "WorkflowTemplate",
      metadata: { name: "sft", namespace: "ml" },
      spec: {
        entrypoint: "main",
        templates: [
          {
            name: "main",
            dag: {
              tasks: [
                { name: "train", template: "step" },
                { name: "deploy", template: "step", dependencies: ["train"] },
              ],
            },
          },
          { name: "step", container: { image: "ghcr.io/acme/step:1.0" } },
        ],
      },
    },
    { provider },
  );
}

describe("a careless program", () => {
  it("yields exactly the expected mandatory violations", async () => {
    const { resources } = await runWithMocks(carelessProgram);
    const found = runPolicies(resources, { "pulumi:stack": "careless" })
      .filter((v) => v.enforcementLevel === "mandatory")
      .map((v) => `${v.policy} @ ${v.urn ? v.urn.split("::").pop() : "stack"}`);
    expect([...new Set(found)].sort()).toEqual([
      "evaluation-gate-before-deploy @ pipeline",
      "gpu-container-resources @ train-llama",
      "no-host-path @ train-llama",
      "pipeline-namespace-default-deny @ pipeline",
      "pss-drop-all-capabilities @ pipeline",
      "pss-drop-all-capabilities @ train-llama",
      "pss-no-privilege-escalation @ pipeline",
      "pss-no-privilege-escalation @ train-llama",
      "pss-no-privileged @ train-llama",
      "pss-run-as-non-root @ pipeline",
      "pss-run-as-non-root @ train-llama",
      "pss-seccomp-runtime-default @ pipeline",
      "pss-seccomp-runtime-default @ train-llama",
      "s3-public-access-block @ training-data-pab",
      "s3-sse-kms @ training-data",
      "s3-tls-only @ training-data",
      "s3-versioning @ training-data",
      "spot-training-checkpoints @ train-llama",
      "spot-training-tolerates-preemption @ train-llama",
      "stateful-resources-protected @ training-data",
    ]);
  });
});
