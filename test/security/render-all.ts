import { renderKubernetesPipeline } from "../../pipelines/render/kubernetes";
import { renderSageMakerPipeline } from "../../pipelines/render/sagemaker";
import type { FineTuningPipelineSpec } from "../../pipelines/spec";
import { awsStore, gcsStore, minioStore, POOLS, prometheusMonitoring, SAGEMAKER_POOLS } from "../pipeline/fixtures";

/** One renderer's output for a spec. */
export interface Rendered {
  renderer: string;
  output: unknown;
}

/**
 * Every renderer's output for a spec: Kubernetes on bare Kubernetes (MinIO) and on GKE (GCS) — WorkflowTemplate,
 * CronWorkflows, JobSets, serving, RBAC, NetworkPolicies, ConfigMap — and the SageMaker definition.
 */
export function renderAll(spec: FineTuningPipelineSpec): Rendered[] {
  const pool = POOLS[spec.compute.pool] ?? POOLS["l4-spot"];
  const driver = { mode: "gpu-operator" as const, driverVersion: "580.95.05", maxCudaVersion: "13.0", runtimeClassName: "nvidia", dcgmExporter: true };
  const out: Rendered[] = [];
  for (const [target, store] of [
    ["kubernetes", minioStore],
    ["gcp", gcsStore],
  ] as const) {
    const r = renderKubernetesPipeline({ spec, pool, store, namespace: "finetune", monitoring: prometheusMonitoring, driver });
    out.push({ renderer: target, output: { objects: r.objects, trainingJobSet: r.trainingJobSet, evaluationJobSet: r.evaluationJobSet } });
  }
  const sm = renderSageMakerPipeline({
    spec,
    pool: SAGEMAKER_POOLS[spec.compute.pool] ?? SAGEMAKER_POOLS["l4-spot"],
    store: awsStore,
    roleArn: "arn:aws:iam::123456789012:role/support-execution",
    codeUri: "s3://acme-finetune-artifacts/runs/x/_code/abc",
    configUri: "s3://acme-finetune-artifacts/runs/x/_config/abc",
  });
  out.push({ renderer: "aws-sagemaker", output: sm.definition });
  return out;
}
