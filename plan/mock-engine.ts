import * as pulumi from "@pulumi/pulumi";
import { mockInvoke, mockResourceState } from "./mock-state";

/** One resource as the engine saw it register. */
export interface RecordedResource {
  /** Type token, e.g. `aws:s3/bucketV2:BucketV2`, `finetune-kit:index:GkeGpuNodePool`. */
  type: string;
  /** Logical name. */
  name: string;
  urn: string;
  /** Parent URN; the stack itself for top-level resources. */
  parent?: string;
  /** Inputs as the provider would receive them (secrets unwrapped). */
  inputs: Record<string, any>;
  /** Inputs with every secret value replaced by `"[secret]"` (what `plan` writes). */
  redactedInputs: Record<string, any>;
  /** Output state the mock returned. */
  state: Record<string, any>;
  /** Custom (provider-managed) resource, as opposed to a component. */
  custom: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  /** URNs of explicit and implicit dependencies. */
  dependsOn: string[];
  /** URN of the explicit provider resource, when one is set. */
  provider?: string;
  ignoreChanges: string[];
  /** Alias URNs/specs given (renames without replacement). */
  aliases: number;
  /** The `type` of each alias spec given (empty for URN aliases and specs without a type). */
  aliasTypes: string[];
}

/** Options of one in-process run. */
export interface MockRunOptions {
  /** @default "finetune" */
  project?: string;
  /** @default "dev" */
  stack?: string;
  /** Full config map (`namespace:key` → string, JSON for structured values). @default {} */
  config?: Record<string, string>;
  /** Keys of `config` that are secrets. @default [] */
  secretKeys?: string[];
  /** Run as a preview (outputs of created resources unknown). @default false */
  preview?: boolean;
}

/** What a run returns. */
export interface MockRunResult {
  resources: RecordedResource[];
  /** Stack outputs, resolved. */
  outputs: Record<string, unknown>;
}

/** Pulumi wire format: `{ [SIG_KEY]: SECRET_SIG, value }` marks a secret. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** `v` with every secret replaced by `"[secret]"` and every unknown by `"[unknown]"`. */
export function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return "[secret]";
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, redact(x)]));
  }
  if (v === "04da6b54-80e4-46f7-96ec-b56ff0331ba9") return "[unknown]";
  return v;
}

/** `v` with every secret replaced by its value. */
export function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

function urnOfRef(ref: string): string | undefined {
  if (!ref) return undefined;
  const i = ref.lastIndexOf("::");
  return i > 0 ? ref.slice(0, i) : ref;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
  getProvider(): string;
  getIgnorechangesList(): string[];
  getAliasesList(): { getSpec(): { getType(): string } | undefined }[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

const createdBeforeFailure = new WeakMap<object, RecordedResource[]>();

/** The resources a failed run had registered before it threw `error` (empty when it created none). */
export function resourcesBeforeFailure(error: unknown): RecordedResource[] {
  return error !== null && typeof error === "object" ? (createdBeforeFailure.get(error) ?? []) : [];
}

/**
 * Runs `program` in-process as a Pulumi stack under mocks and returns every registered resource with its
 * inputs and options. Each call starts from a clean runtime: nothing leaks between runs.
 */
export async function runWithMocks(program: () => unknown, opts: MockRunOptions = {}): Promise<MockRunResult> {
  const project = opts.project ?? "finetune";
  const stack = opts.stack ?? "dev";
  const recorded = new Map<string, RecordedResource>();

  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const { id, state } = mockResourceState(args.type, args.name, args.inputs);
        return { id: args.id || id, state };
      },
      call: (args) => mockInvoke(args.token, args.inputs),
    },
    project,
    stack,
    opts.preview ?? false,
  );
  pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);

  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(
      req: RegisterRequest,
      cb: (err: unknown, res?: { getUrn(): string; getObject(): { toJavaScript(): Record<string, unknown> } }) => void,
    ): void;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const raw = req.getObject()?.toJavaScript() ?? {};
    const deps = new Set(req.getDependenciesList());
    req.getPropertydependenciesMap().forEach((v) => v.getUrnsList().forEach((u) => deps.add(u)));
    const info = {
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent() || undefined,
      custom: req.getCustom(),
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete(),
      dependsOn: [...deps],
      provider: urnOfRef(req.getProvider()),
      ignoreChanges: req.getIgnorechangesList(),
      aliases: req.getAliasesList().length,
      aliasTypes: req
        .getAliasesList()
        .map((a) => a.getSpec()?.getType() ?? "")
        .filter((t) => t !== ""),
      redactedInputs: redact(raw) as Record<string, unknown>,
      raw,
    };
    original(req, (err, res) => {
      if (!err && res) {
        const urn = res.getUrn();
        const { raw: rawInputs, ...rest } = info;
        recorded.set(urn, {
          ...rest,
          urn,
          inputs: unwrapSecrets(rawInputs) as Record<string, unknown>,
          state: unwrapSecrets(res.getObject().toJavaScript()) as Record<string, unknown>,
        });
      }
      cb(err, res);
    });
  };

  // The program's own error is caught inside the stack (so the SDK sees no rejected stack and leaves no
  // unhandled rejection behind), then rethrown once the engine has drained.
  let failure: { error: unknown } | undefined;
  const outputs =
    (await pulumi.runtime.runInPulumiStack(async () => {
      try {
        return await program();
      } catch (error) {
        failure = { error };
        return {};
      }
    })) ?? {};
  const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (waitForRPCs) await waitForRPCs();
  if (failure) {
    const { error } = failure;
    if (error && typeof error === "object")
      createdBeforeFailure.set(
        error,
        [...recorded.values()].filter((r) => r.type !== "pulumi:pulumi:Stack"),
      );
    throw error;
  }
  const resolved = await resolveOutputs(outputs);
  return { resources: [...recorded.values()].filter((r) => r.type !== "pulumi:pulumi:Stack"), outputs: resolved };
}

async function resolveOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outputs)) {
    out[k] = pulumi.Output.isInstance(v) ? await new Promise((r) => (v as pulumi.Output<unknown>).apply((x) => r(x))) : v;
  }
  return out;
}
