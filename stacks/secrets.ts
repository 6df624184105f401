import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "./config/load";

/** A `finetune:*` secret as an output, or undefined when it is not set (never read in plain text). */
export function optionalSecret(key: string): pulumi.Output<string> | undefined {
  const cfg = new pulumi.Config(CONFIG_NAMESPACE);
  return cfg.get(key) === undefined ? undefined : cfg.requireSecret(key);
}
