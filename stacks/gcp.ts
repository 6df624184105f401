import type { KitConfig } from "./config/schema";
import type { StackOutputs } from "./main";

/** The `gcp` stack. Wired up as the capabilities land. */
export function gcpStack(cfg: KitConfig): StackOutputs {
  return { target: cfg.target };
}
