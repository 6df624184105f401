import { z } from "zod";

/** `finetune:monitoring` section. Placeholder: filled in by its capability. */
export const MonitoringConfigSchema = z.strictObject({});
export type MonitoringConfig = z.infer<typeof MonitoringConfigSchema>;
