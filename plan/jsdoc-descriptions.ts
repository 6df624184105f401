import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

/** JSDoc of each property of one object literal in a schema source file. */
export interface LiteralDocs {
  keys: string[];
  docs: Record<string, { text: string; defaultText?: string }>;
}

function jsDocOf(node: ts.Node, source: ts.SourceFile): { text: string; defaultText?: string } | undefined {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  const block = ranges.filter((r) => source.text.slice(r.pos, r.pos + 3) === "/**").pop();
  if (!block) return undefined;
  const raw = source.text
    .slice(block.pos + 3, block.end - 2)
    .split("\n")
    .map((l) => l.replace(/^\s*\*\s?/, "").trim())
    .join(" ")
    .trim();
  const m = /@default\s+(.*)$/.exec(raw);
  const text = (m ? raw.slice(0, m.index) : raw).trim();
  return { text, defaultText: m?.[1].trim() };
}

/** Every object literal (its key set and the JSDoc of each key) in the TypeScript files under `dirs`. */
export function collectLiteralDocs(root: string, dirs: string[]): LiteralDocs[] {
  const out: LiteralDocs[] = [];
  const files = dirs.flatMap((d) =>
    fs
      .readdirSync(path.join(root, d))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => path.join(root, d, f)),
  );
  for (const file of files) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isObjectLiteralExpression(node)) {
        const keys: string[] = [];
        const docs: LiteralDocs["docs"] = {};
        for (const p of node.properties) {
          if (!ts.isPropertyAssignment(p) && !ts.isShorthandPropertyAssignment(p)) continue;
          const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
          if (!name) continue;
          keys.push(name);
          const doc = jsDocOf(p, source);
          if (doc) docs[name] = doc;
        }
        if (Object.keys(docs).length) out.push({ keys, docs });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

/** The docs of the literal whose keys are exactly `keys` (order ignored), if there is exactly one such literal. */
export function docsForKeys(all: LiteralDocs[], keys: string[]): LiteralDocs["docs"] | undefined {
  const want = [...keys].sort().join("\u0000");
  const matches = all.filter((l) => [...l.keys].sort().join("\u0000") === want);
  return matches.length ? matches[0].docs : undefined;
}
