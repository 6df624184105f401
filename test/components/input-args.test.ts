import { describe, expect, it } from "vitest";
import { COMPONENT_ARGS, argFields, interfaceBody } from "../../plan/component-args";
import { exportedComponents } from "../../provider-host";

/** Field names that name an ARN, a namespace, an account, a region, a key, an endpoint, a project, an email, a topic, a channel or a cluster. */
const REFERENCE_FIELD = /(arn|namespace|account|key(name|id|arn)?$|endpoint|project|email|topic|channel|cluster|region|subnet|registry|secret|storageclass)/i;

/** True when the type text holds a `pulumi.Input<`, directly or in an interface of `file` it names (three levels deep). */
function holdsInput(file: string, type: string, depth = 0): boolean {
  if (type.includes("pulumi.Input<")) return true;
  if (depth > 2) return false;
  return [...type.matchAll(/\b([A-Z]\w+)\b/g)].some((m) => {
    const found = interfaceBody(file, m[1]);
    return found !== undefined && holdsInput(file, found.body, depth + 1);
  });
}

describe("every exported component says which arguments take outputs (INPUT_ARGS) and why the others are plain (PLAIN_ARGS)", () => {
  it("covers every ComponentResource the package exports", () => {
    expect(COMPONENT_ARGS.map((c) => c.component).sort()).toEqual(
      exportedComponents()
        .map((c) => c.name)
        .sort(),
    );
  });

  it.each(COMPONENT_ARGS.map((c) => [c.component, c] as const))("%s", (_, c) => {
    const fields = argFields(c.file, c.argsInterface);
    const names = fields.map((f) => f.name);
    // Every field is listed exactly once: Input or plain.
    expect([...c.inputArgs, ...Object.keys(c.plainArgs)].sort(), "INPUT_ARGS ∪ PLAIN_ARGS = the interface's fields").toEqual([...names].sort());
    expect(
      c.inputArgs.filter((a) => a in c.plainArgs),
      "in both lists",
    ).toEqual([]);
    for (const f of fields) {
      if (c.inputArgs.includes(f.name)) expect(holdsInput(c.file, f.type), `${f.name}: ${f.type} is listed as Input`).toBe(true);
      else {
        expect(f.type, `${f.name} is plain but typed Input`).not.toMatch(/^pulumi\.Input</);
        expect(c.plainArgs[f.name]?.length ?? 0, `${f.name} is plain without a reason`).toBeGreaterThan(15);
      }
    }
  });

  it("reference-like arguments (names of namespaces, ARNs, accounts, regions, keys, endpoints, …) are Inputs unless a reason says why not", () => {
    const plainReferences: string[] = [];
    for (const c of COMPONENT_ARGS) {
      for (const f of argFields(c.file, c.argsInterface)) {
        if (REFERENCE_FIELD.test(f.name) && f.type !== "boolean" && !c.inputArgs.includes(f.name)) {
          expect(c.plainArgs[f.name], `${c.component}.${f.name}`).toMatch(/\S{3,}.*\S{3,}/);
          plainReferences.push(`${c.component}.${f.name}`);
        }
      }
    }
    // The reference-like arguments kept plain on purpose (each with its reason in the component's PLAIN_ARGS and in the README table).
    expect(plainReferences.sort()).toEqual(
      [
        "AwsArtifactRegistry.region",
        "AwsArtifactRegistry.upstreamCredentialArns",
        "CloudMonitoring.notificationChannel",
        "CloudWatchMonitoring.endpointNames",
        "CloudWatchMonitoring.endpointVariantName",
        "CloudWatchMonitoring.region",
        "GcpArtifactRegistry.project",
        "KubernetesArtifactStore.credentialsSecret",
        "KubernetesArtifactStore.endpoint",
        "KubernetesArtifactStore.imagePullSecret",
        "KubernetesArtifactStore.namespace",
        "KubernetesArtifactStore.pipelineAccessKey",
        "KubernetesArtifactStore.tlsSecretName",
        "KubernetesPipelinePlatform.existingArgoNamespace",
        "KubernetesPipelinePlatform.existingJobSetNamespace",
        "KubernetesPipelinePlatform.namespace",
      ].sort(),
    );
  });
});
