import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostOptions, providerIdentity } from "../../provider-host";
import { getPluginVersion, getSchemaText, packageSchemaProblems, ROOT, startHost, type RunningHost } from "./harness";

const TODAY = JSON.parse(fs.readFileSync(path.join(__dirname, "analyzer-failures.json"), "utf8")) as {
  passing: string[];
  failing: Record<string, { firstError: string }>;
};
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string; version: string; description: string };

interface Prop {
  type?: string;
  $ref?: string;
  description?: string;
  plain?: boolean;
  optional?: boolean;
  default?: unknown;
  items?: Prop;
}
interface Res {
  isComponent: boolean;
  description?: string;
  inputProperties: Record<string, Prop>;
  requiredInputs: string[];
  properties: Record<string, Prop>;
  required: string[];
}
interface Schema {
  name: string;
  version: string;
  description: string;
  namespace?: string;
  resources: Record<string, Res>;
  types: Record<string, { type: string; properties?: Record<string, Prop> }>;
  dependencies: { name: string; version: string }[];
}

let whole: RunningHost;
let schema: Schema;

beforeAll(async () => {
  // The whole package, as run-plugin serves it to `pulumi package add`: every exported component passes the analyzer.
  whole = await startHost();
  try {
    schema = JSON.parse(await getSchemaText(whole.client)) as Schema;
  } catch (e) {
    throw new Error(`GetSchema of the whole package failed: ${String(e)}\n${whole.stderr()}`);
  }
}, 600_000);
afterAll(async () => {
  await whole?.stop();
});

const EXPORTED_TOKENS = TODAY.passing.map((n) => `finetune-kit:index:${n}`).sort();
const res = (name: string): Res => schema.resources[`finetune-kit:index:${name}`];

describe("provider host over gRPC: GetSchema", () => {
  it("the whole package (every exported component, as `pulumi package add` serves it) succeeds: all 21 components, none failing", () => {
    expect(TODAY.failing).toEqual({});
    expect(Object.keys(schema.resources).sort()).toEqual(EXPORTED_TOKENS);
    expect(EXPORTED_TOKENS).toHaveLength(21);
  });

  it("every component has its class JSDoc as description, inputs and outputs", () => {
    for (const [token, r] of Object.entries(schema.resources)) {
      expect(r.description ?? "", token).toMatch(/\S{10}/);
      expect(Object.keys(r.inputProperties).length, token).toBeGreaterThan(0);
      expect(Object.keys(r.properties).length, token).toBeGreaterThan(0);
    }
  });

  it("no plain argument is typed as another component's contract (another language passes that component's output)", () => {
    const plainContracts: string[] = [];
    for (const [token, r] of Object.entries(schema.resources)) {
      for (const [k, p] of Object.entries(r.inputProperties)) {
        if (p.plain && /Contract"?$/.test(p.$ref ?? "")) plainContracts.push(`${token.split(":")[2]}.${k}: ${p.$ref!.split(":").pop()}`);
      }
    }
    // The host hands a component every value that came from another resource as an Output: every contract argument
    // is a pulumi.Input (construct.test.ts passes the queue's contract to the pipeline as an output).
    expect(plainContracts).toEqual([]);
  });

  it("serves a document the Pulumi package metaschema accepts", () => {
    expect(packageSchemaProblems(schema)).toEqual([]);
    // Planted faults the metaschema catches: a name with a colon, a resource without its type.
    expect(packageSchemaProblems({ ...schema, name: "finetune:kit" }).length).toBeGreaterThan(0);
    expect(packageSchemaProblems({ ...schema, version: "zero" }).length).toBeGreaterThan(0);
  });

  it("names the package after package.json, tokens <package>:index:<Class>, no namespace", async () => {
    expect(hostOptions([]).name).toBe("finetune-kit");
    expect(hostOptions([]).namespace).toBeUndefined();
    expect(providerIdentity("@acme/fine tune")).toEqual({ name: "fine-tune", namespace: "acme" });
    expect(schema.name).toBe(pkg.name);
    expect(schema.version).toBe(pkg.version);
    expect(schema.description).toBe(pkg.description);
    expect(schema.namespace).toBeUndefined();
    expect(await getPluginVersion(whole.client)).toBe(pkg.version);
    expect(Object.keys(schema.resources).sort()).toEqual(TODAY.passing.map((n) => `finetune-kit:index:${n}`).sort());
    expect(Object.values(schema.resources).every((r) => r.isComponent)).toBe(true);
    expect(schema.dependencies).toEqual([
      { name: "kubernetes", version: "4.34.2" },
      { name: "aws", version: "7.48.0" },
      { name: "gcp", version: "9.37.0" },
    ]);
  });

  it("PipelineNamespace: inputs, outputs and descriptions from JSDoc, exactly", () => {
    expect(res("PipelineNamespace")).toEqual({
      type: "object",
      isComponent: true,
      inputProperties: { namespace: { type: "string", description: "Namespace name (DNS-1123 label); checked now when known, when it resolves otherwise." } },
      requiredInputs: ["namespace"],
      properties: {
        name: { type: "string", description: "Namespace name (an output when the argument was one)." },
        namespace: {
          $ref: "/kubernetes/v4.34.2/schema.json#/resources/kubernetes:core%2Fv1:Namespace",
          description: "The namespace resource (depend on it before creating namespaced objects).",
        },
      },
      required: ["name", "namespace"],
      description:
        "The namespace pipelines run in: PSS `restricted` (enforce, audit, warn) and a namespace-wide default-deny\nNetworkPolicy for ingress and egress; each pipeline adds the narrow allowances its stages need.",
    });
  });

  it("inputs and outputs of the other served components", () => {
    const shape = (n: string) => ({
      inputs: Object.keys(res(n).inputProperties),
      requiredInputs: res(n).requiredInputs,
      outputs: Object.keys(res(n).properties),
      required: res(n).required,
    });
    expect(shape("KueueInstall")).toEqual({
      inputs: ["namespace", "waitForPodsReadyTimeout", "enablePrometheus"],
      requiredInputs: [],
      outputs: ["namespace", "release", "chartVersion", "contractOutput"],
      required: ["chartVersion", "contractOutput", "namespace", "release"],
    });
    expect(shape("EfaDevicePlugin")).toEqual({ inputs: ["namespace", "extraInstanceTypes"], requiredInputs: [], outputs: ["release"], required: ["release"] });
    expect(shape("KubernetesPipelinePlatform")).toEqual({
      inputs: [
        "workflowNamespaces",
        "namespace",
        "installArgoWorkflows",
        "installJobSet",
        "argoServer",
        "timeoutSeconds",
        "existingArgoNamespace",
        "existingJobSetNamespace",
        "kueue",
      ],
      requiredInputs: ["workflowNamespaces"],
      outputs: ["contractOutput", "ready", "namespace", "argoWorkflows", "jobset"],
      required: ["contractOutput", "ready"],
    });
    // Input<T> arguments are not plain (another language may pass an output); plain T arguments are.
    expect(res("EfaDevicePlugin").inputProperties.namespace.plain).toBeUndefined();
    expect(res("KueueInstall").inputProperties.namespace.plain).toBeUndefined();
    expect(res("KueueInstall").inputProperties.waitForPodsReadyTimeout.plain).toBe(true);
  });

  it("every served input has a description; the host drops JSDoc tags, so no `@default` reaches the schema", () => {
    const undescribed: string[] = [];
    for (const [token, r] of Object.entries(schema.resources)) {
      for (const [k, p] of Object.entries(r.inputProperties)) {
        if (!/\S/.test(p.description ?? "")) undescribed.push(`${token.split(":")[2]}.${k}`);
        expect(p.default, `${token}.${k}`).toBeUndefined();
        expect(p.description ?? "", `${token}.${k}`).not.toContain("@default");
      }
    }
    // A JSDoc that is a tag alone (`/** @default 2 */`) gives no description: each argument has text before its tags.
    expect(undescribed).toEqual([]);
    // The source says `@default "kueue-system"`; the schema keeps only the text before the tag.
    expect(fs.readFileSync(path.join(ROOT, "components/gpu-node-pool/kueue.ts"), "utf8")).toContain(
      '/** Namespace Kueue runs in (created, PSS `restricted`). @default "kueue-system" */',
    );
    expect(res("KueueInstall").inputProperties.namespace.description).toBe("Namespace Kueue runs in (created, PSS `restricted`).");
  });

  it("contract enums are served as enum types (as-const objects: member names from the keys) and referenced by the contracts", () => {
    const en = (n: string) => schema.types[`finetune-kit:index:${n}`] as unknown as { type: string; enum: { name: string; value: string }[] };
    expect(en("PoolPlatform").type).toBe("string");
    // Member order follows TypeScript's literal-type ids, not the declaration: ModelCachePlatform's gke / eks /
    // kubernetes literals are created first, so compare the members as a set.
    expect(
      en("PoolPlatform")
        .enum.map((m) => `${m.name}=${m.value}`)
        .sort(),
    ).toEqual(["Eks=eks", "Gke=gke", "Karpenter=karpenter", "Kubernetes=kubernetes", "SageMaker=sagemaker"]);
    expect(en("ModelCachePlatform").enum.map((m) => `${m.name}=${m.value}`)).toEqual(["Gke=gke", "Eks=eks", "Kubernetes=kubernetes"]);
    // ModelCache: the names are Inputs, platform and sizes plain; the plain contract is a getter, contractOutput the output.
    const mc = res("ModelCache").inputProperties;
    expect(mc.platform).toMatchObject({ $ref: "#/types/finetune-kit:index:ModelCachePlatform", plain: true });
    expect(mc.sizeGiB.plain).toBe(true);
    expect(mc.fileCacheMiB.plain).toBe(true);
    for (const k of ["namespace", "modelsUri", "bucket", "region", "storageClassName"]) expect(mc[k].plain, k).toBeUndefined();
    expect(Object.keys(res("ModelCache").properties)).toEqual(["contractOutput"]);
    expect(en("TolerationOperator").enum.map((m) => m.value)).toEqual(["Equal", "Exists"]);
    expect(en("DriverMode").enum).toEqual([
      { name: "GpuOperator", value: "gpu-operator", description: "The NVIDIA GPU Operator installs it." },
      { name: "Preinstalled", value: "preinstalled", description: "The node image already carries it (EKS GPU AMIs, GKE-managed drivers)." },
    ]);
    expect(en("StageImageRole").enum.map((m) => m.value)).toEqual(["python", "trainer", "evaluator", "serving"]);
    expect(schema.types["finetune-kit:index:GpuPoolContract"].properties!.platform).toEqual({
      $ref: "#/types/finetune-kit:index:PoolPlatform",
      description: "Platform the pool lives on.",
    });
    expect(schema.types["finetune-kit:index:Toleration"].properties!.effect).toEqual({
      $ref: "#/types/finetune-kit:index:TolerationEffect",
      description: "Taint effect tolerated.",
    });
    // Getters are not outputs: CudaDriverStack.clusterPolicy (a getter over a WeakMap) is absent.
    expect(Object.keys(res("CudaDriverStack").properties)).toEqual(["contractOutput", "namespace", "release"]);
  });

  it("CloudMonitoring: notificationChannel is the NotificationChannelSpec object (a NotificationChannelType enum, fields not plain)", () => {
    expect(res("CloudMonitoring").inputProperties.notificationChannel.$ref).toBe("#/types/finetune-kit:index:NotificationChannelSpec");
    const spec = schema.types["finetune-kit:index:NotificationChannelSpec"].properties!;
    expect(Object.keys(spec)).toEqual(["type", "address", "topic", "name"]);
    expect(spec.type.$ref).toBe("#/types/finetune-kit:index:NotificationChannelType");
    expect(spec.address.plain).toBeUndefined();
    const en = schema.types["finetune-kit:index:NotificationChannelType"] as unknown as { enum: { value: string }[] };
    expect(en.enum.map((m) => m.value).sort()).toEqual(["email", "existing", "pubsub"]);
    expect(res("CloudMonitoring").inputProperties.project.plain).toBeUndefined();
  });

  it("known host defects in today's schema: {@link} in JSDoc and pulumi.Resource values", () => {
    // A JSDoc comment with {@link X} is a node array; the host joins it with String().
    expect(res("KubernetesPipelinePlatform").inputProperties.kueue.description).toBe("[object Object],[object Object],[object Object]");
    // `pulumi.Resource[]` is not a resource reference for the host: it becomes an object type with only `urn`.
    expect(res("KubernetesPipelinePlatform").properties.ready.items).toEqual({ $ref: "#/types/finetune-kit:index:Resource" });
    expect(schema.types["finetune-kit:index:Resource"].properties).toEqual({
      urn: { type: "string", description: "The stable logical URN used to distinctly address a resource, both before\nand after deployments." },
    });
  });
});
