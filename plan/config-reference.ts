import * as path from "node:path";
import { z } from "zod";
import { collectLiteralDocs, docsForKeys, type LiteralDocs } from "./jsdoc-descriptions";
import { KitConfigSchema } from "../stacks/config/schema";

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  additionalProperties?: boolean | JsonSchema;
};

interface Row {
  key: string;
  type: string;
  required: boolean;
  default: string;
  rules: string;
  description: string;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" \\| ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(typeOf).join(" \\| ");
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "any"}`;
  if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object") return `map of ${typeOf(s.additionalProperties)}`;
  return Array.isArray(s.type) ? s.type.join(" \\| ") : (s.type ?? "any");
}

function rulesOf(s: JsonSchema): string {
  const r: string[] = [];
  if (s.minimum !== undefined) r.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) r.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) r.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) r.push(`< ${s.exclusiveMaximum}`);
  if (s.minLength !== undefined) r.push(`min length ${s.minLength}`);
  if (s.maxLength !== undefined) r.push(`max length ${s.maxLength}`);
  if (s.minItems !== undefined) r.push(`≥ ${s.minItems} items`);
  if (s.maxItems !== undefined) r.push(`≤ ${s.maxItems} items`);
  if (s.pattern) r.push(`matches \`${s.pattern.replace(/\|/g, "\\|")}\``);
  return r.join(", ");
}

function walk(s: JsonSchema, key: string, required: boolean, rows: Row[], doc?: { text: string; defaultText?: string }): void {
  const alts = s.anyOf ?? s.oneOf;
  const objectLike = s.properties ? s : undefined;
  const arrayOfObjects = s.type === "array" && s.items?.properties ? s.items : undefined;
  rows.push({
    key,
    type: objectLike ? "object" : arrayOfObjects ? "list of objects" : typeOf(s),
    required,
    default: s.default !== undefined ? `\`${JSON.stringify(s.default)}\`` : doc?.defaultText && doc.defaultText !== "-" ? doc.defaultText : "",
    rules: objectLike || arrayOfObjects ? "" : rulesOf(s),
    description: (s.description ?? doc?.text ?? "").replace(/\n/g, " "),
  });
  const obj = objectLike ?? arrayOfObjects;
  if (obj?.properties) {
    const docs = docsForKeys(literalDocs(), Object.keys(obj.properties));
    for (const [k, v] of Object.entries(obj.properties)) walk(v, `${key}${arrayOfObjects ? "[]" : ""}.${k}`, (obj.required ?? []).includes(k), rows, docs?.[k]);
  } else if (alts && alts.some((a) => a.properties)) {
    for (const a of alts) {
      if (!a.properties) continue;
      const docs = docsForKeys(literalDocs(), Object.keys(a.properties));
      for (const [k, v] of Object.entries(a.properties)) walk(v, `${key}.${k}`, (a.required ?? []).includes(k), rows, docs?.[k]);
    }
  }
}

let cachedDocs: LiteralDocs[] | undefined;
/** JSDoc of the schema sources: the descriptions of the reference come from the comments beside each field. */
function literalDocs(): LiteralDocs[] {
  cachedDocs ??= collectLiteralDocs(path.resolve(__dirname, ".."), ["stacks/config", "pipelines"]);
  return cachedDocs;
}

/** Every `finetune:*` key, generated from the zod schema (so the README cannot drift from the code). */
export function configReferenceRows(): Row[] {
  const schema = z.toJSONSchema(KitConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const rows: Row[] = [];
  const top = docsForKeys(literalDocs(), Object.keys(schema.properties ?? {}));
  for (const [k, v] of Object.entries(schema.properties ?? {})) walk(v, `finetune:${k}`, (schema.required ?? []).includes(k), rows, top?.[k]);
  return rows;
}

/** The configuration reference as a Markdown table. */
export function configReferenceMarkdown(): string {
  const rows = configReferenceRows();
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [
    "| key | type | required | default | rules | description |",
    "|---|---|---|---|---|---|",
    ...rows.map((r) => `| \`${r.key}\` | ${r.type} | ${r.required ? "yes" : ""} | ${esc(r.default)} | ${r.rules} | ${esc(r.description)} |`),
  ].join("\n");
}
