import type { GpuPoolContract } from "../components/gpu-node-pool/contract";
import type { ConfigProblem } from "../stacks/config/errors";
import { servingGpus, sizePipeline, sizingInputOf } from "./sizing";
import type { FineTuningPipelineSpec } from "./spec";

/**
 * Checks of a pipeline that need its GPU pool's contract: explicit GPUs per node and nodes within the pool,
 * a model that fits (sizing), and platform-specific requirements. The stacks call this before creating any
 * resource and throw `ConfigError` with every problem. Keys name the field a user typed:
 * `finetune:pipelines[<index>].compute.nodes`.
 */
export function validatePipelineAgainstPool(spec: FineTuningPipelineSpec, pool: GpuPoolContract, index: number): ConfigProblem[] {
  const key = (path: string) => `finetune:pipelines[${index}].${path}`;
  const problems: ConfigProblem[] = [];
  if (spec.compute.pool !== pool.name) {
    problems.push({ key: key("compute.pool"), message: `is "${spec.compute.pool}" but the pool contract given is "${pool.name}" (pass the contract of the pool the pipeline names)` });
  }
  for (const p of sizePipeline(spec, pool).problems) problems.push({ key: key(p.path), message: p.message });

  const sagemaker = pool.platform === "sagemaker";
  if (sagemaker && !pool.instanceType) {
    problems.push({ key: key("compute.pool"), message: `pool "${pool.name}" has no SageMaker instance type (set the pool's instance type, e.g. ml.g5.2xlarge)` });
  }
  if (!sagemaker && !pool.localQueueName) {
    problems.push({ key: key("compute.pool"), message: `pool "${pool.name}" has no Kueue LocalQueue (training JobSets are admitted by Kueue: give the pool a queue)` });
  }
  const target = spec.deployment.target;
  if (spec.deployment.enabled && sagemaker && target === "vllm") {
    problems.push({ key: key("deployment.target"), message: `is "vllm" but pool "${pool.name}" is a SageMaker pool (use "auto" or "sagemaker-endpoint")` });
  }
  if (spec.deployment.enabled && !sagemaker && target === "sagemaker-endpoint") {
    problems.push({ key: key("deployment.target"), message: `is "sagemaker-endpoint" but pool "${pool.name}" runs on Kubernetes (use "auto" or "vllm")` });
  }
  if (spec.deployment.enabled && !sagemaker && spec.deployment.gpusPerReplica > pool.gpusPerNode) {
    problems.push({ key: key("deployment.gpusPerReplica"), message: `is ${spec.deployment.gpusPerReplica}, more than the ${pool.gpusPerNode} GPUs a node of pool "${pool.name}" has (lower it to ${pool.gpusPerNode})` });
  }
  const input = sizingInputOf(spec);
  if (input && !sagemaker) {
    const gpus = servingGpus(input.arch, pool.gpuMemoryGiB, spec.deployment.gpusPerReplica);
    if (gpus > pool.gpusPerNode) {
      problems.push({
        key: key("compute.pool"),
        message: `serving the ${(input.arch.parameters / 1e9).toFixed(1)}B model in bf16 for evaluation needs ${gpus} GPUs of ${pool.gpuMemoryGiB} GiB on one node, pool "${pool.name}" has ${pool.gpusPerNode} per node (use a pool with bigger nodes or larger GPUs)`,
      });
    }
  }
  return problems;
}
