import { z } from "zod";
import { FineTuningPipelineSpecSchema } from "../../pipelines/spec-schema";
import { pipelineTargetIssues } from "../../pipelines/validate";
import { ArtifactStoreConfigSchema } from "./artifact-store";
import { DriverStackConfigSchema } from "./driver-stack";
import { GpuPoolsConfigSchema, gpuPoolTargetIssues } from "./gpu-pools";
import { MonitoringConfigSchema } from "./monitoring";
import { AwsTargetSchema, GcpTargetSchema, KubernetesTargetSchema } from "./platform";

/** The three stacks the kit ships. */
export const Target = {
  AwsSageMaker: "aws-sagemaker",
  Gcp: "gcp",
  Kubernetes: "kubernetes",
} as const;
export type Target = (typeof Target)[keyof typeof Target];

/** Which platform section each target requires. */
const sectionOf: Record<Target, "aws" | "gcp" | "kubernetes"> = {
  "aws-sagemaker": "aws",
  gcp: "gcp",
  kubernetes: "kubernetes",
};

/** Secret keys the kit reads with `getSecret`; they are not part of the typed config object. */
export const SECRET_KEYS = ["hubToken", "minioRootPassword", "minioPipelineSecretKey"] as const;

/**
 * The whole `finetune:*` configuration of a stack. Every key is declared here; unknown keys are errors.
 */
export const KitConfigSchema = z
  .strictObject({
    /** Which stack program runs. */
    target: z.enum([Target.AwsSageMaker, Target.Gcp, Target.Kubernetes]),
    /** Prefix for resource names. @default "finetune" */
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,20}$/, "must be 2-21 lowercase letters, digits or '-', starting with a letter (it prefixes cloud resource names)")
      .default("finetune"),
    /** Settings for target `kubernetes`. */
    kubernetes: KubernetesTargetSchema.optional(),
    /** Settings for target `gcp`. */
    gcp: GcpTargetSchema.optional(),
    /** Settings for target `aws-sagemaker`. */
    aws: AwsTargetSchema.optional(),
    /** GPU pools. @default [] */
    gpuPools: GpuPoolsConfigSchema.default([]),
    /** CUDA driver stack. @default {} */
    driverStack: DriverStackConfigSchema.prefault({}),
    /** Artifact registry. @default {} */
    artifactStore: ArtifactStoreConfigSchema.prefault({}),
    /** Monitoring. @default {} */
    monitoring: MonitoringConfigSchema.prefault({}),
    /** Fine-tuning pipelines. @default [] */
    pipelines: z.array(FineTuningPipelineSpecSchema).default([]),
  })
  .superRefine((cfg, ctx) => {
    const section = sectionOf[cfg.target];
    if (cfg[section] === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [section],
        message: `is required when finetune:target is "${cfg.target}" (add a finetune:${section} section; see stacks/Pulumi.${cfg.target}.yaml)`,
      });
    }
    for (const other of Object.values(sectionOf)) {
      if (other !== section && cfg[other] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [other],
          message: `is not used when finetune:target is "${cfg.target}" (remove it, or set finetune:target to the stack it belongs to)`,
        });
      }
    }
    const mode = cfg.monitoring.mode;
    if (mode !== undefined && cfg.target === "aws-sagemaker") {
      ctx.addIssue({
        code: "custom",
        path: ["monitoring", "mode"],
        message: `"${mode}" does not apply to target "aws-sagemaker" (remove it: the aws-sagemaker stack monitors with CloudWatch; use monitoring.aws)`,
      });
    }
    if (mode === "managed-prometheus" && cfg.target !== "gcp") {
      ctx.addIssue({
        code: "custom",
        path: ["monitoring", "mode"],
        message: `"managed-prometheus" is GKE's Managed Service for Prometheus (use "kube-prometheus-stack" or "existing" on target "${cfg.target}")`,
      });
    }
    for (const issue of gpuPoolTargetIssues(cfg.target, cfg.gpuPools)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    const poolNames = new Map<string, number>();
    cfg.gpuPools.forEach((p, i) => {
      if (poolNames.has(p.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["gpuPools", i, "name"],
          message: `"${p.name}" is already used by finetune:gpuPools[${poolNames.get(p.name)}] (give each pool a unique name)`,
        });
      } else poolNames.set(p.name, i);
    });
    const pipelineNames = new Map<string, number>();
    cfg.pipelines.forEach((p, i) => {
      if (pipelineNames.has(p.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["pipelines", i, "name"],
          message: `"${p.name}" is already used by finetune:pipelines[${pipelineNames.get(p.name)}] (give each pipeline a unique name)`,
        });
      } else pipelineNames.set(p.name, i);
      for (const issue of pipelineTargetIssues(p, cfg.target)) ctx.addIssue({ code: "custom", path: ["pipelines", i, ...issue.path], message: issue.message });
      if (!poolNames.has(p.compute.pool)) {
        const known = [...poolNames.keys()];
        ctx.addIssue({
          code: "custom",
          path: ["pipelines", i, "compute", "pool"],
          message: `no GPU pool named "${p.compute.pool}" (use one of finetune:gpuPools[].name: ${known.length ? known.join(", ") : "none defined — add a pool to finetune:gpuPools"})`,
        });
      }
    });
  });

/** Typed, validated stack configuration with defaults applied. */
export type KitConfig = z.infer<typeof KitConfigSchema>;
/** Stack configuration as a user writes it (defaults not yet applied). */
export type KitConfigInput = z.input<typeof KitConfigSchema>;
