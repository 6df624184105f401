import type { KitConfig } from "./config/schema";
import type { StackOutputs } from "./main";

/** The `aws-sagemaker` stack. Wired up as the capabilities land. */
export function awsSageMakerStack(cfg: KitConfig): StackOutputs {
  return { target: cfg.target };
}
