import * as fs from "node:fs";
import * as path from "node:path";
import type { ServiceError } from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import * as kit from "../../index";
import { redact, runWithMocks, unwrapSecrets, type RecordedResource } from "../../plan/mock-engine";
import { startFakeEngine, type EngineRegistration, type FakeEngine } from "./fake-engine";
import { construct, provproto, ROOT, startHost, type RunningHost } from "./harness";
import { codeBlock, parsePythonProgram, readmeSection, type PythonArg, type PythonCall, type PythonProgram } from "./python-program";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const structproto = require("google-protobuf/google/protobuf/struct_pb") as typeof import("google-protobuf/google/protobuf/struct_pb");

/** Pulumi's wire format (sdk/go/common/resource/sig): the key marking special values and its signatures. */
const SIG = "4dabf18193072939515e22adb298388d";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const SECTION = "Use from Python, Go, .NET and YAML";
/** The secret config values the test gives the README program. */
const SECRETS: Record<string, string> = { hubToken: "hf_test_token", minioRootPassword: "root-password-1", minioPipelineKey: "pipeline-key-1" };
const SPEC_DIR = path.join(ROOT, "pipelines", "examples");

const program: PythonProgram = parsePythonProgram(codeBlock(readmeSection(SECTION), "python"));
const served = [...new Set(program.calls.map((c) => c.className))];

/** One registration reduced to what must be identical on both paths. */
interface Shape {
  type: string;
  name: string;
  parentType: string;
  custom: boolean;
  /** Inputs with secrets as "[secret]" and unknowns as "[unknown]". */
  redacted: unknown;
  /** Inputs with secrets unwrapped. */
  inputs: unknown;
  aliasTypes: string[];
}

/** Objects with their keys sorted, and multi-line YAML strings (manifests embedded in a resource) parsed. */
function canonical(v: unknown): unknown {
  if (typeof v === "string" && v.includes("\n") && /^[\w.-]+:/m.test(v)) {
    try {
      const parsed = parseYaml(v) as unknown;
      if (parsed !== null && typeof parsed === "object") return { "[yaml]": canonical(parsed) };
    } catch {
      // not YAML: compare as text
    }
  }
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
const canonicalShape = (s: Shape): Shape => ({ ...s, redacted: canonical(s.redacted), inputs: canonical(s.inputs) });

const parentType = (urn: string | undefined): string => (urn ? urn.split("::")[2].split("$").pop()! : "");
const byKey = (a: Shape, b: Shape): number => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`);

function fromEngine(r: EngineRegistration): Shape {
  return {
    type: r.type,
    name: r.name,
    parentType: parentType(r.parent),
    custom: r.custom,
    redacted: redact(r.inputs),
    inputs: unwrapSecrets(r.inputs),
    aliasTypes: r.aliasTypes,
  };
}
function fromMocks(r: RecordedResource): Shape {
  return {
    type: r.type,
    name: r.name,
    parentType: parentType(r.parent),
    custom: r.custom,
    redacted: r.redactedInputs,
    inputs: r.inputs,
    aliasTypes: r.aliasTypes,
  };
}

function specOf(file: string): Record<string, unknown> {
  return parseYaml(fs.readFileSync(path.join(SPEC_DIR, file), "utf8")) as Record<string, unknown>;
}

/** A ConstructRequest as the engine sends it for a Python program's `finetune.<Class>(name, **args)`. */
function constructRequest(
  monitor: FakeEngine,
  className: string,
  name: string,
  inputs: Record<string, unknown>,
  deps: Record<string, string[]>,
  dryRun: boolean,
): InstanceType<typeof provproto.ConstructRequest> {
  const req = new provproto.ConstructRequest();
  req.setProject(monitor.project);
  req.setStack(monitor.stack);
  req.setOrganization("organization");
  req.setDryrun(dryRun);
  req.setParallel(16);
  req.setMonitorendpoint(monitor.address);
  req.setType(`finetune-kit:index:${className}`);
  req.setName(name);
  req.setParent(monitor.stackUrn);
  req.setAcceptsOutputValues(true);
  req.setInputs(structproto.Struct.fromJavaScript(inputs as Record<string, never>));
  const depMap = req.getInputdependenciesMap();
  for (const [k, urns] of Object.entries(deps)) {
    const d = new provproto.ConstructRequest.PropertyDependencies();
    d.setUrnsList(urns);
    depMap.set(k, d);
  }
  return req;
}

/** What one Construct returned. */
interface Constructed {
  urn: string;
  /** State in wire format. */
  state: Record<string, unknown>;
}

/**
 * Runs the README program through the host, as the engine would for the Python program: each argument in the
 * form the Python SDK serialises it for a remote component (monitor supports output values): literals plain,
 * another component's output as an output value carrying its dependency, `config.require_secret` as a secret
 * output value (the pipeline's `pool` too: `queue.contract_output`), the spec as the dict `yaml.safe_load` returns.
 * A call the host refuses is recorded with its error.
 */
async function constructProgram(host: RunningHost, monitor: FakeEngine): Promise<{ made: Map<string, Constructed>; refused: Map<string, string> }> {
  const made = new Map<string, Constructed>();
  const refused = new Map<string, string>();
  const send = async (call: PythonCall): Promise<void> => {
    const inputs: Record<string, unknown> = {};
    const deps: Record<string, string[]> = {};
    for (const [key, arg] of Object.entries(call.args)) {
      if ("literal" in arg) inputs[key] = arg.literal;
      else if ("yamlFile" in arg) inputs[key] = specOf(arg.yamlFile);
      else if ("secretConfig" in arg) inputs[key] = { [SIG]: OUTPUT_SIG, value: SECRETS[arg.secretConfig], secret: true, dependencies: [] };
      else {
        const from = made.get(arg.ref.variable)!;
        const value = from.state[arg.ref.output];
        inputs[key] = { [SIG]: OUTPUT_SIG, ...(value === undefined ? {} : { value }), dependencies: [from.urn] };
        deps[key] = [from.urn];
      }
    }
    try {
      const res = await construct(host.client, constructRequest(monitor, call.className, call.name, inputs, deps, false));
      made.set(call.variable, { urn: res.getUrn(), state: (res.getState()?.toJavaScript() ?? {}) as Record<string, unknown> });
    } catch (e) {
      refused.set(call.variable, (e as ServiceError).details ?? String(e));
    }
  };
  for (const call of program.calls) await send(call);
  return { made, refused };
}

/** The same program in TypeScript, constructed directly under mocks (the pipeline's pool is `queue.contractOutput`, an Output). */
function typescriptProgram(refused: Map<string, string>): () => Record<string, unknown> {
  return () => {
    const made: Record<string, Record<string, unknown>> = {};
    const classes = kit as unknown as Record<string, new (name: string, args: object) => Record<string, unknown>>;
    const value = (arg: PythonArg): unknown => {
      if ("literal" in arg) return arg.literal;
      if ("yamlFile" in arg) return specOf(arg.yamlFile);
      if ("secretConfig" in arg) return pulumi.secret(SECRETS[arg.secretConfig]);
      return made[arg.ref.variable][arg.ref.output];
    };
    const argsOf = (call: PythonCall): Record<string, unknown> => Object.fromEntries(Object.entries(call.args).map(([k, a]) => [k, value(a)]));
    for (const call of program.calls) {
      try {
        made[call.variable] = new classes[call.className](call.name, argsOf(call));
      } catch (e) {
        refused.set(call.variable, (e as Error).message);
        throw e;
      }
    }
    return Object.fromEntries(Object.entries(program.exports).map(([k, e]) => [k, made[e.variable][e.output]]));
  };
}

let engine: FakeEngine;
let host: RunningHost;
let constructed: Map<string, Constructed>;
let hostRefused: Map<string, string>;
const tsRefused = new Map<string, string>();
let viaHost: Shape[];
let viaTs: Shape[];
let tsOutputs: Record<string, unknown>;

beforeAll(async () => {
  engine = await startFakeEngine();
  // The components the program uses (the host analyses every component it serves before its first Construct).
  host = await startHost({ components: served, engineAddress: engine.address });
  try {
    ({ made: constructed, refused: hostRefused } = await constructProgram(host, engine));
  } catch (e) {
    throw new Error(`Construct failed: ${String(e)}\n${host.stderr()}\nengine log: ${JSON.stringify(engine.logs)}`);
  }
  viaHost = engine.registrations.map(fromEngine).sort(byKey);
  const ts = await runWithMocks(typescriptProgram(tsRefused));
  viaTs = ts.resources.map(fromMocks).sort(byKey);
  tsOutputs = ts.outputs;
}, 600_000);
afterAll(async () => {
  await host?.stop();
  await engine?.stop();
});

describe("the README's Python program", () => {
  it("is the chain pool → queue → pipeline, with its store and namespace, as the test sends it", () => {
    expect(program.module).toBe("pulumi_finetune_kit");
    expect(program.calls.map((c) => `${c.variable} = ${c.className}("${c.name}")`)).toEqual([
      'namespace = PipelineNamespace("pipelines")',
      'store = KubernetesArtifactStore("artifacts")',
      'pool = GkeGpuNodePool("gpu")',
      'queue = KueueGpuPool("gpu-queue")',
      'pipeline = KubernetesFineTuningPipeline("doc-classifier")',
    ]);
    expect(program.calls.find((c) => c.variable === "queue")!.args.pool).toEqual({ ref: { variable: "pool", output: "contract" } });
    expect(program.calls.find((c) => c.variable === "pipeline")!.args).toEqual({
      spec: { yamlFile: "document-classifier.yaml" },
      pool: { ref: { variable: "queue", output: "contractOutput" } },
      store: { ref: { variable: "store", output: "contract" } },
      namespace: { ref: { variable: "namespace", output: "name" } },
      hubToken: { secretConfig: "hubToken" },
    });
    expect(fs.existsSync(path.join(SPEC_DIR, "document-classifier.yaml"))).toBe(true);
  });

  it("the YAML program declares the same resources, arguments and outputs", () => {
    const doc = parseYaml(codeBlock(readmeSection(SECTION), "yaml")) as {
      config: Record<string, { type: string; secret?: boolean }>;
      resources: Record<string, { type: string; properties: Record<string, unknown> }>;
      outputs: Record<string, string>;
    };
    expect(Object.keys(doc.resources)).toEqual(program.calls.map((c) => c.variable));
    for (const call of program.calls) {
      const r = doc.resources[call.variable];
      expect(r.type).toBe(`finetune-kit:index:${call.className}`);
      expect(Object.keys(r.properties)).toEqual(Object.keys(call.args));
      for (const [k, arg] of Object.entries(call.args)) {
        const got = r.properties[k];
        if ("literal" in arg) expect(got, `${call.variable}.${k}`).toBe(arg.literal);
        else if ("yamlFile" in arg) expect(got, `${call.variable}.${k}`).toEqual(specOf(arg.yamlFile));
        else if ("secretConfig" in arg) {
          expect(got).toBe(`\${${arg.secretConfig}}`);
          expect(doc.config[arg.secretConfig]).toEqual({ type: "string", secret: true });
        } else expect(got, `${call.variable}.${k}`).toBe(`\${${arg.ref.variable}.${arg.ref.output}}`);
      }
    }
    expect(doc.outputs).toEqual(Object.fromEntries(Object.entries(program.exports).map(([k, e]) => [k, `\${${e.variable}.${e.output}}`])));
  });

  it("names only arguments and outputs the served schema has", async () => {
    const { getSchemaText } = await import("./harness");
    const schema = JSON.parse(await getSchemaText(host.client)) as {
      resources: Record<string, { inputProperties: Record<string, unknown>; properties: Record<string, unknown> }>;
    };
    for (const call of program.calls) {
      const res = schema.resources[`finetune-kit:index:${call.className}`];
      expect(Object.keys(res.inputProperties), call.className).toEqual(expect.arrayContaining(Object.keys(call.args)));
    }
    for (const [k, e] of Object.entries(program.exports)) {
      const cls = program.calls.find((c) => c.variable === e.variable)!.className;
      expect(Object.keys(schema.resources[`finetune-kit:index:${cls}`].properties), k).toContain(e.output);
    }
  });
});

describe("provider host over gRPC: Construct of the README program (fake engine) vs the TypeScript path (mocks)", () => {
  it("each Construct returns the component's URN under the stack", () => {
    expect([...constructed.entries()].map(([v, c]) => [v, c.urn])).toEqual(
      program.calls.map((c) => [c.variable, `urn:pulumi:dev::finetune::pulumi:pulumi:Stack$finetune-kit:index:${c.className}::${c.name}`]),
    );
  });

  it("constructs every call, the pipeline with its pool as an output (queue.contract_output), as TypeScript does", () => {
    expect([...hostRefused]).toEqual([]);
    expect([...tsRefused]).toEqual([]);
    expect([...constructed.keys()]).toEqual(program.calls.map((c) => c.variable));
  });

  it("registers the same resources: types, names, parents, custom flag, inputs and alias types, one for one", () => {
    expect(viaHost).toHaveLength(39);
    expect(viaHost.map((s) => `${s.parentType} > ${s.type}::${s.name}`)).toEqual(viaTs.map((s) => `${s.parentType} > ${s.type}::${s.name}`));
    expect(viaHost.map(canonicalShape)).toEqual(viaTs.map(canonicalShape));
  });

  it("byte-identical inputs, the WorkflowTemplate's embedded manifests included (placement is written in one canonical key order)", () => {
    // The pool contract crossed the wire as a protobuf Struct, whose keys are sorted; gpuPodPlacement writes the
    // nodeSelector and tolerations in one order, so the YAML manifests the WorkflowTemplate embeds are the same text.
    const differing = viaHost.filter((s, i) => JSON.stringify(s) !== JSON.stringify(viaTs[i])).map((s) => `${s.type}::${s.name}`);
    expect(differing).toEqual([]);
  });

  it("every component registers its finetune-kit:index token with the legacy alias", () => {
    const components = viaHost.filter((s) => s.type.startsWith("finetune-kit:index:"));
    expect(components.map((s) => s.type).sort()).toEqual(served.map((c) => `finetune-kit:index:${c}`).sort());
    for (const c of components) expect(c.aliasTypes).toHaveLength(1);
  });

  it("a secret in stays a secret out: the MinIO credentials reach the cluster only inside secrets, as on the TypeScript path", () => {
    const carrying = (shapes: Shape[], v: string) => shapes.filter((s) => JSON.stringify(s.inputs).includes(v));
    expect(carrying(viaHost, SECRETS.minioRootPassword).map((s) => s.name)).toEqual(["artifacts-root-credentials"]);
    expect(carrying(viaHost, SECRETS.minioPipelineKey).map((s) => s.name)).toEqual(["artifacts-pipeline-user", "artifacts-s3-credentials"]);
    for (const v of Object.values(SECRETS)) {
      for (const s of carrying(viaHost, v)) {
        expect(s.type).toBe("kubernetes:core/v1:Secret");
        expect(JSON.stringify(s.redacted)).not.toContain(v);
        expect(JSON.stringify(s.redacted)).toContain("[secret]");
      }
      expect(carrying(viaHost, v).map((s) => s.redacted)).toEqual(carrying(viaTs, v).map((s) => s.redacted));
    }
    // The spec's model (Qwen2.5 1.5B) is not gated: the hub token is accepted and lands nowhere, on both paths.
    expect(carrying(viaHost, SECRETS.hubToken)).toEqual([]);
    expect(carrying(viaTs, SECRETS.hubToken)).toEqual([]);
  });

  it("component outputs match: the queue's contract and names, the pipeline's submit command", () => {
    const queue = unwrapSecrets(constructed.get("queue")!.state) as Record<string, unknown>;
    const pipeline = unwrapSecrets(constructed.get("pipeline")!.state) as Record<string, unknown>;
    expect(queue.localQueueName).toBe(tsOutputs.localQueue);
    expect(pipeline.submitCommand).toBe(tsOutputs.submit);
    expect(pipeline.submitCommand).toBe("argo submit --from workflowtemplate/doc-classifier -n ml-pipelines");
  });
});

describe("provider host over gRPC: unknown inputs in a preview", () => {
  let preview: FakeEngine;
  let viaHostPreview: Shape[];
  let viaTsPreview: Shape[];

  beforeAll(async () => {
    // The namespace comes from a resource not created yet: the engine sends an output value without a value.
    preview = await startFakeEngine();
    const unknownNs = { [SIG]: OUTPUT_SIG, dependencies: ["urn:pulumi:dev::finetune::kubernetes:core/v1:Namespace::later"] };
    await construct(
      host.client,
      constructRequest(preview, "PipelineNamespace", "pipelines", { namespace: unknownNs }, { namespace: unknownNs.dependencies }, true),
    );
    // The pipeline with the same unknown namespace; its pool and store as the chain above produced them (plain).
    const pipelineCall = program.calls.find((c) => c.variable === "pipeline")!;
    const pool = unwrapSecrets(constructed.get("queue")!.state.contractOutput);
    const store = unwrapSecrets(constructed.get("store")!.state.contract);
    const spec = specOf("document-classifier.yaml");
    await construct(
      host.client,
      constructRequest(
        preview,
        pipelineCall.className,
        pipelineCall.name,
        { spec, pool, store, namespace: unknownNs },
        { namespace: unknownNs.dependencies },
        true,
      ),
    );
    viaHostPreview = preview.registrations.map(fromEngine).sort(byKey);
    const ts = await runWithMocks(
      () => {
        const namespace = pulumi.output(pulumi.unknown as unknown as string);
        new kit.PipelineNamespace("pipelines", { namespace });
        new kit.KubernetesFineTuningPipeline(pipelineCall.name, { spec, pool, store, namespace } as unknown as kit.KubernetesFineTuningPipelineArgs);
      },
      { preview: true },
    );
    viaTsPreview = ts.resources.map(fromMocks).sort(byKey);
  }, 600_000);
  afterAll(async () => {
    await preview?.stop();
  });

  it("stay unknown in the children's inputs (namespace and pipeline), exactly as on the TypeScript path", () => {
    expect(viaHostPreview.filter((s) => !s.custom).map((s) => s.type)).toEqual([
      "finetune-kit:index:KubernetesFineTuningPipeline",
      "finetune-kit:index:PipelineNamespace",
    ]);
    const namespaced = viaHostPreview.filter((s) => s.custom && s.type !== "kubernetes:core/v1:Namespace");
    expect(namespaced.length).toBeGreaterThan(10);
    // Every namespaced child's namespace is unknown: metadata.namespace, or the whole metadata where the child takes
    // its fields from the render inside apply (the Namespace itself carries it as its name).
    for (const s of namespaced) {
      const md = (s.redacted as { metadata?: unknown }).metadata;
      expect(md === "[unknown]" || (md as { namespace?: unknown } | undefined)?.namespace === "[unknown]", `${s.type} ${s.name}`).toBe(true);
    }
    expect(JSON.stringify(viaHostPreview.map((s) => s.inputs))).toContain(UNKNOWN);
    expect(viaHostPreview.map(canonicalShape)).toEqual(viaTsPreview.map(canonicalShape));
  });
});
