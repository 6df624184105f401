/**
 * Child-process entry of the provider-host harness: serves the components named in FINETUNE_HOST_COMPONENTS
 * (comma-separated class names; all exported components when unset) exactly as provider-host.ts does, and
 * prints the port on stdout. Arguments are the host's own: `[engine address]`.
 */
import { exportedComponents, serve } from "../../provider-host";

const wanted = process.env.FINETUNE_HOST_COMPONENTS?.split(",").filter((s) => s !== "");
const all = exportedComponents();
const missing = (wanted ?? []).filter((n) => !all.some((c) => c.name === n));
if (missing.length > 0) {
  console.error(`finetune:FINETUNE_HOST_COMPONENTS: ${missing.join(", ")} not exported by index.ts (exported: ${all.map((c) => c.name).join(", ")})`);
  process.exit(2);
}
void serve(wanted ? all.filter((c) => wanted.includes(c.name)) : all);
