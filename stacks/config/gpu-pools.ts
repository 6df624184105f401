import { z } from "zod";

/** `finetune:gpu-pools` section. Placeholder: filled in by its capability. */
export const GpuPoolConfigSchema = z.strictObject({ name: z.string(), gpuType: z.string() });
export const GpuPoolsConfigSchema = z.array(GpuPoolConfigSchema);
export type GpuPoolsConfig = z.infer<typeof GpuPoolsConfigSchema>;
