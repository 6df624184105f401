import type { KitConfig } from "./config/schema";
import type { StackOutputs } from "./main";

/** The `kubernetes` stack. Wired up as the capabilities land. */
export function kubernetesStack(cfg: KitConfig): StackOutputs {
  return { target: cfg.target };
}
