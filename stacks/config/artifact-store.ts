import { z } from "zod";

/** `finetune:artifact-store` section. Placeholder: filled in by its capability. */
export const ArtifactStoreConfigSchema = z.strictObject({});
export type ArtifactStoreConfig = z.infer<typeof ArtifactStoreConfigSchema>;
