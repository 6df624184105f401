import { manifestsOf } from "../../plan/manifests";
import type { RecordedResource } from "../../plan/mock-engine";
import { mandatoryViolations, runPolicies } from "../../policy/engine";

/** Mandatory policy violations of a run, as `policy: message` lines. */
export function mandatory(resources: RecordedResource[], project: string): string[] {
  return mandatoryViolations(runPolicies(resources, { "pulumi:project": project, "pulumi:stack": "dev" })).map((v) => `${v.policy}: ${v.message}`);
}

/** Custom resources (other than providers) whose explicit provider is not `providerOf(r)` (the program's own provider of their package). */
export function notOnProvider(resources: RecordedResource[], providerOf: (r: RecordedResource) => string | undefined): string[] {
  return resources
    .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"))
    .filter((r) => r.provider === undefined || r.provider !== providerOf(r))
    .map((r) => `${r.type} ${r.name} → ${r.provider ?? "default provider"}`);
}

/** The URN of the one provider resource of a package (`aws`, `kubernetes`, `gcp`). */
export function providerUrn(resources: RecordedResource[], pkg: string): string {
  const found = resources.filter((r) => r.type === `pulumi:providers:${pkg}`);
  if (found.length !== 1) throw new Error(`expected one ${pkg} provider, found ${found.length}`);
  return found[0].urn;
}

/** Which provider package a custom resource type belongs to. */
export function packageOf(type: string): string {
  return type.split(":")[0];
}

/** Kubernetes objects of a kind. */
export function manifestsOfKind(resources: RecordedResource[], kind: string): ReturnType<typeof manifestsOf> {
  return manifestsOf(resources).filter((m) => m.kind === kind);
}

export { manifestsOf };
