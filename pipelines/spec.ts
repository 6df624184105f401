import { z } from "zod";

/** The fine-tuning pipeline spec. Placeholder until the pipeline capability lands. */
export const FineTuningPipelineSpecSchema = z.strictObject({
  name: z.string(),
  compute: z.strictObject({ pool: z.string() }),
});
export type FineTuningPipelineSpec = z.infer<typeof FineTuningPipelineSpecSchema>;
