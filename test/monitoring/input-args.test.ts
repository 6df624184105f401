import { describe, expect, it } from "vitest";
import { AWS_REGISTRY_INPUT_ARGS } from "../../components/artifact-registry/aws";
import { PROMETHEUS_INPUT_ARGS } from "../../components/monitoring/prometheus";
import * as fs from "node:fs";
import * as path from "node:path";

/** Field names that name an ARN, a namespace, an account, a region, a key or an endpoint. */
const REFERENCE_FIELD = /(arn|namespace|account|key(name|id)?$|endpoint|project|email|topic|channel|cluster)/i;

/** Fields of `interface <name>` in a source file (one level, as written). */
function fieldsOf(file: string, iface: string): { name: string; type: string }[] {
  const src = fs.readFileSync(path.join(__dirname, "../..", file), "utf8");
  const start = src.indexOf(`export interface ${iface}`);
  const body = src.slice(src.indexOf("{", start) + 1, src.indexOf("\n}", start));
  return [...body.matchAll(/^\s{2}(\w+)\??:\s*(.+);$/gm)].map((m) => ({ name: m[1], type: m[2] }));
}

describe("reference-like arguments are pulumi.Input (hand list kept next to the args)", () => {
  it.each([
    // createNamespace: a flag (decides whether a Namespace object exists).
    ["components/monitoring/prometheus.ts", "PrometheusMonitoringArgs", PROMETHEUS_INPUT_ARGS as readonly string[], ["createNamespace"]],
    // region: decides partition, DNS suffix and the ECR host at construction (see AWS_REGISTRY_INPUT_ARGS).
    [
      "components/artifact-registry/aws.ts",
      "AwsArtifactRegistryArgs",
      AWS_REGISTRY_INPUT_ARGS as readonly string[],
      ["kmsKeyDeletionDays", "upstreamCredentialArns"],
    ],
  ])("%s %s", (file, iface, inputArgs, plainOnPurpose) => {
    const fields = fieldsOf(file, iface);
    expect(fields.length).toBeGreaterThan(3);
    for (const f of fields) {
      if (inputArgs.includes(f.name)) expect(f.type, f.name).toContain("pulumi.Input<");
      else expect(f.type, f.name).not.toContain("pulumi.Input<");
      if (REFERENCE_FIELD.test(f.name) && !plainOnPurpose.includes(f.name)) expect(inputArgs, `${f.name} names a reference but is plain`).toContain(f.name);
    }
  });
});
