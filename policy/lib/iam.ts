/** IAM policy documents: statements with their actions, as JSON text or objects. */
import { arr, isRecord, parseJson, rec, str, type JsonObject } from "./values";

export interface Statement {
  index: number;
  sid?: string;
  effect: string;
  actions: string[];
  notActions: string[];
  resources: string[];
  condition: JsonObject;
  principal: unknown;
}

function strings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  return arr(v).filter((x): x is string => typeof x === "string");
}

/** Statements of a policy document (undefined when the document is unknown or not a policy). */
export function statementsOf(doc: unknown): Statement[] | undefined {
  const d = parseJson(doc);
  if (!isRecord(d)) return undefined;
  const raw = Array.isArray(d.Statement) ? d.Statement : isRecord(d.Statement) ? [d.Statement] : [];
  return raw.map((s0, index) => {
    const s = rec(s0);
    return {
      index,
      sid: str(s.Sid),
      effect: str(s.Effect) ?? "Allow",
      actions: strings(s.Action),
      notActions: strings(s.NotAction),
      resources: strings(s.Resource),
      condition: rec(s.Condition),
      principal: s.Principal,
    };
  });
}

/** Allow statements whose actions contain a wildcard or that use NotAction. */
export function wildcardGrants(statements: Statement[]): Array<{ statement: Statement; actions: string[] }> {
  const out: Array<{ statement: Statement; actions: string[] }> = [];
  for (const s of statements) {
    if (s.effect !== "Allow") continue;
    const bad = s.actions.filter((a) => a.includes("*"));
    if (s.notActions.length) bad.push(...s.notActions.map((a) => `NotAction ${a}`));
    if (bad.length) out.push({ statement: s, actions: bad });
  }
  return out;
}

/** True when the document denies every request made without TLS (`aws:SecureTransport` false). */
export function deniesInsecureTransport(statements: Statement[]): boolean {
  return statements.some((s) => {
    if (s.effect !== "Deny") return false;
    const cond = rec(s.condition.Bool);
    const v = cond["aws:SecureTransport"];
    const insecure = v === false || v === "false" || (Array.isArray(v) && v.some((x) => x === false || x === "false"));
    const allActions = s.actions.some((a) => a === "s3:*" || a === "*");
    return insecure && allActions;
  });
}
