/**
 * `npm run docs`: regenerates the README sections that come from code (config reference, policy list), between
 * `<!-- name:start -->` / `<!-- name:end -->` markers. `--check` exits 1 when the README is out of date.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { generatedSections } from "./readme-sections";

const readme = path.resolve(__dirname, "..", "README.md");

/** Replaces the body of each marked section. */
export function applySections(text: string, sections: Record<string, string>): string {
  let out = text;
  for (const [name, body] of Object.entries(sections)) {
    const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!re.test(out)) throw new Error(`README.md has no <!-- ${name}:start --> / <!-- ${name}:end --> markers`);
    out = out.replace(re, (_m, a: string, b: string) => `${a}${body.trim()}\n${b}`);
  }
  return out;
}

if (require.main === module) {
  const current = fs.readFileSync(readme, "utf8");
  const next = applySections(current, generatedSections());
  if (process.argv.includes("--check")) {
    if (next !== current) {
      process.stderr.write("README.md is out of date: run npm run docs\n");
      process.exit(1);
    }
  } else {
    fs.writeFileSync(readme, next);
    process.stdout.write("README.md updated\n");
  }
}
