/** The README table "Which arguments take outputs": each component's arguments, Input or plain, and why plain. */
import { COMPONENT_ARGS, argFields, type ComponentArgs } from "./component-args";

/** Escapes a table cell. */
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The rows of one component, in the order its argument interface declares them. */
export function componentArgRows(c: ComponentArgs): { argument: string; kind: "Input" | "plain"; reason: string }[] {
  return argFields(c.file, c.argsInterface).map((f) =>
    c.inputArgs.includes(f.name) ? { argument: f.name, kind: "Input", reason: "" } : { argument: f.name, kind: "plain", reason: c.plainArgs[f.name] ?? "" },
  );
}

/** Markdown: one table, every exported component's arguments. */
export function componentArgsTable(components: ComponentArgs[] = COMPONENT_ARGS): string {
  const rows = ["| component | argument | takes | why plain |", "|---|---|---|---|"];
  for (const c of components) {
    for (const r of componentArgRows(c)) rows.push(`| ${c.component} | \`${r.argument}\` | ${r.kind} | ${cell(r.reason)} |`);
  }
  return rows.join("\n");
}
