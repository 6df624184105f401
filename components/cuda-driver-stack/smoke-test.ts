import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GPU_STACK_IMAGES, imageRef } from "../../core/versions";
import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import { KARPENTER_DO_NOT_DISRUPT } from "../gpu-node-pool/labels";
import { type Problem, throwIfProblems } from "../../core/problem";
import { outputProblems } from "../validation";
import type { DriverStackContract } from "../../core/contracts/driver-stack";
import { MANAGED_BY } from "../../core/kubernetes";

/** File name of the smoke-test script shipped in `components/cuda-driver-stack/smoke/`. */
export const SMOKE_SCRIPT_FILE = "gpu_smoke.py";
/** Where the script is mounted in the pod. */
const SCRIPT_DIR = "/opt/finetune-smoke";
/** The script's "no GPU" exit code: the Job fails at once instead of retrying. */
export const SMOKE_EXIT_NO_GPU = 2;

/** The smoke-test script text (from the source tree, or beside the compiled module). */
export function smokeScript(): string {
  const candidates = [path.join(__dirname, "smoke", SMOKE_SCRIPT_FILE), path.join(__dirname, "..", "..", "..", "components", "cuda-driver-stack", "smoke", SMOKE_SCRIPT_FILE)];
  for (const c of candidates) if (fs.existsSync(c)) return fs.readFileSync(c, "utf8");
  throw new Error(`GPU smoke-test script ${SMOKE_SCRIPT_FILE} not found (looked in ${candidates.join(", ")})`);
}

/** Inputs of {@link renderSmokeTestJob}. */
export interface SmokeTestRenderInput {
  pool: GpuPoolContract;
  driver: DriverStackContract;
  namespace: string;
  jobName: string;
  configMapName: string;
  image: string;
  /** GPUs the Job requests (and the script expects to see). */
  gpus: number;
  activeDeadlineSeconds: number;
}

/**
 * The smoke-test Job of a pool (pure): one PSS-restricted pod on the pool (its queue, or its node selector and
 * tolerations), requesting GPUs, running the shipped script from a ConfigMap. A spot preemption is not a failure
 * (podFailurePolicy Ignore on DisruptionTarget); "no GPU" fails the Job at once.
 */
export function renderSmokeTestJob(i: SmokeTestRenderInput): Record<string, unknown> {
  const labels: Record<string, string> = { "app.kubernetes.io/name": "gpu-smoke-test", ...MANAGED_BY, "finetune.dev/pool": i.pool.name };
  if (i.pool.localQueueName) labels["kueue.x-k8s.io/queue-name"] = i.pool.localQueueName;
  const annotations: Record<string, string> = i.pool.karpenter ? { [KARPENTER_DO_NOT_DISRUPT]: "true" } : {};
  const gpuRes = { [i.pool.gpuResourceName]: String(i.gpus) };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: i.jobName, namespace: i.namespace, labels },
    spec: {
      backoffLimit: 2,
      activeDeadlineSeconds: i.activeDeadlineSeconds,
      podFailurePolicy: {
        rules: [
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
          { action: "FailJob", onExitCodes: { containerName: "smoke", operator: "In", values: [SMOKE_EXIT_NO_GPU] } },
        ],
      },
      template: {
        metadata: { labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          ...(i.driver.runtimeClassName ? { runtimeClassName: i.driver.runtimeClassName } : {}),
          ...(Object.keys(i.pool.nodeSelector).length ? { nodeSelector: { ...i.pool.nodeSelector } } : {}),
          ...(i.pool.tolerations.length ? { tolerations: i.pool.tolerations.map((t) => ({ ...t })) } : {}),
          securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "smoke",
              image: i.image,
              imagePullPolicy: "IfNotPresent",
              command: ["python3", `${SCRIPT_DIR}/${SMOKE_SCRIPT_FILE}`],
              args: ["--expect-gpus", String(i.gpus)],
              env: [
                { name: "HOME", value: "/tmp" },
                { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
              ],
              resources: { requests: { cpu: "2", memory: "8Gi", ...gpuRes }, limits: { cpu: "4", memory: "16Gi", ...gpuRes } },
              securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
              volumeMounts: [
                { name: "script", mountPath: SCRIPT_DIR, readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "script", configMap: { name: i.configMapName, defaultMode: 0o444 } },
            { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
          ],
        },
      },
    },
  };
}

/** Arguments of {@link GpuSmokeTest}. */
export interface GpuSmokeTestArgs {
  /** The pool to test (its contract). */
  pool: GpuPoolContract;
  /** The cluster's driver stack contract (runtime class). */
  driver: DriverStackContract;
  /** Namespace the Job runs in (PSS restricted; the pipeline namespace). */
  namespace: string;
  /** Image with python3 (and ideally PyTorch). @default - GPU_STACK_IMAGES.gpuSmokeTest */
  image?: string;
  /** GPUs to request. @default 1 */
  gpus?: number;
  /** @default 1800 */
  activeDeadlineSeconds?: number;
}

/**
 * A one-off Job per GPU pool that proves the stack works on a fresh node: driver version, GPUs visible, a small
 * CUDA matmul and its measured TFLOP/s (read them with `kubectl logs job/<name>`). Optional: it scales the pool up
 * from zero once.
 */
export class GpuSmokeTest extends pulumi.ComponentResource {
  readonly jobName: string;

  constructor(name: string, args: GpuSmokeTestArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfProblems("GpuSmokeTest", name, outputProblems(args));
    const problems: Problem[] = [];
    const gpus = args.gpus ?? 1;
    if (args.pool.platform === "sagemaker") problems.push({ path: "pool.platform", message: "SageMaker pools have no Kubernetes nodes to test" });
    if (!Number.isInteger(gpus) || gpus < 1 || gpus > args.pool.gpusPerNode) problems.push({ path: "gpus", message: `${gpus} is outside 1..${args.pool.gpusPerNode} (GPUs per node of pool ${args.pool.name})` });
    throwIfProblems("GpuSmokeTest", name, problems);
    super("finetune:cuda:GpuSmokeTest", name, {}, opts);

    this.jobName = `gpu-smoke-${args.pool.name}`.slice(0, 63);
    const configMapName = `${this.jobName}-script`.slice(0, 63);
    const cm = new k8s.core.v1.ConfigMap(
      `${name}-script`,
      { metadata: { name: configMapName, namespace: args.namespace, labels: { "app.kubernetes.io/name": "gpu-smoke-test", ...MANAGED_BY } }, data: { [SMOKE_SCRIPT_FILE]: smokeScript() } },
      { parent: this },
    );
    const job = renderSmokeTestJob({
      pool: args.pool,
      driver: args.driver,
      namespace: args.namespace,
      jobName: this.jobName,
      configMapName,
      image: args.image ?? imageRef(GPU_STACK_IMAGES.gpuSmokeTest),
      gpus,
      activeDeadlineSeconds: args.activeDeadlineSeconds ?? 1800,
    });
    // Do not make `pulumi up` wait for completion: a pool at zero nodes may take many minutes to scale up.
    const meta = job.metadata as Record<string, unknown>;
    meta.annotations = { "pulumi.com/skipAwait": "true" };
    new k8s.batch.v1.Job(`${name}-job`, job as k8s.batch.v1.JobArgs, { parent: this, dependsOn: [cm] });
    this.registerOutputs({ jobName: this.jobName });
  }
}
