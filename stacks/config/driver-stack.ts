import { z } from "zod";

/** `finetune:driver-stack` section. Placeholder: filled in by its capability. */
export const DriverStackConfigSchema = z.strictObject({});
export type DriverStackConfig = z.infer<typeof DriverStackConfigSchema>;
