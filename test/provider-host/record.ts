/**
 * Rewrites analyzer-failures.json from what the host's analyzer says today:
 * `npx tsx test/provider-host/record.ts`. Read the diff before committing it; analyzer.test.ts holds the file exactly.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { exportedComponents } from "../../provider-host";
import { analyzeEach } from "./harness";

const file = path.join(__dirname, "analyzer-failures.json");
const before = JSON.parse(fs.readFileSync(file, "utf8")) as { _about: string };
const verdicts = analyzeEach(exportedComponents().map((c) => c.name));
const doc = {
  _about: before._about,
  passing: verdicts.filter((v) => v.firstError === undefined).map((v) => v.name),
  failing: Object.fromEntries(verdicts.filter((v) => v.firstError !== undefined).map((v) => [v.name, { firstError: v.firstError, allErrors: v.allErrors }])),
};
fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
console.log(`passing: ${doc.passing.join(", ")}\nfailing: ${Object.keys(doc.failing).join(", ")}`);
