/**
 * Harness for the kit's component provider host (provider-host.ts, PulumiPlugin.yaml): starts the host in a
 * child node process as the Pulumi CLI would (no CLI, offline), talks to it over gRPC with the provider proto
 * stubs shipped in @pulumi/pulumi, validates the schema it serves against the Pulumi package metaschema, and
 * runs the host's own analyzer per component to list what it rejects.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { Analyzer, type AnalyzeResult } from "@pulumi/pulumi/provider/experimental/analyzer";
import { readSchemaJson } from "../validators/schemas";
import { formatAjvErrors } from "../validators/ajv-errors";

// The generated stubs are CommonJS without ES types for the service clients; load them as Node does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb") as {
  ResourceProviderClient: new (address: string, creds: grpc.ChannelCredentials) => ProviderClient;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const provproto = require("@pulumi/pulumi/proto/provider_pb") as typeof import("@pulumi/pulumi/proto/provider_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emptyproto = require("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };

export const ROOT = path.resolve(__dirname, "..", "..");

type Unary<Req, Res> = (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => void;
/** The ResourceProvider methods the harness uses. */
export interface ProviderClient {
  getSchema: Unary<InstanceType<typeof provproto.GetSchemaRequest>, InstanceType<typeof provproto.GetSchemaResponse>>;
  getPluginInfo: Unary<unknown, { getVersion(): string }>;
  construct: Unary<InstanceType<typeof provproto.ConstructRequest>, InstanceType<typeof provproto.ConstructResponse>>;
  close(): void;
}

function call<Req, Res>(fn: Unary<Req, Res>, client: ProviderClient, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => fn.call(client, req, (err, res) => (err ? reject(err) : resolve(res))));
}

/** A running host child process and a gRPC client connected to it. */
export interface RunningHost {
  port: number;
  client: ProviderClient;
  /** Everything the child wrote on stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts test/provider-host/serve.ts in a child node process (tsx, no build): serves `components`
 * (class names; all exported ones when omitted) and, when given, knows the engine at `engineAddress`.
 * Resolves once the host printed its port.
 */
export function startHost(opts: { components?: readonly string[]; engineAddress?: string } = {}): Promise<RunningHost> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.components) env.FINETUNE_HOST_COMPONENTS = opts.components.join(",");
  else delete env.FINETUNE_HOST_COMPONENTS;
  const args = ["--import", "tsx", path.join(__dirname, "serve.ts"), ...(opts.engineAddress ? [opts.engineAddress] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`provider host exited with ${code} before printing a port:\n${err}`)));
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (!m) return;
      child.stdout!.removeAllListeners("data");
      child.removeAllListeners("exit");
      const port = Number(m[1]);
      const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      resolve({
        port,
        client,
        stderr: () => err,
        stop: () =>
          new Promise((done) => {
            client.close();
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
  });
}

/** `GetSchema` (version 0) over gRPC; resolves to the schema text the host serves. */
export async function getSchemaText(client: ProviderClient): Promise<string> {
  const req = new provproto.GetSchemaRequest();
  req.setVersion(0);
  return (await call(client.getSchema, client, req)).getSchema();
}

/** `GetPluginInfo` over gRPC: the version the host reports. */
export async function getPluginVersion(client: ProviderClient): Promise<string> {
  return (await call(client.getPluginInfo, client, new emptyproto.Empty())).getVersion();
}

/** `Construct` over gRPC. */
export function construct(
  client: ProviderClient,
  req: InstanceType<typeof provproto.ConstructRequest>,
): Promise<InstanceType<typeof provproto.ConstructResponse>> {
  return call(client.construct, client, req);
}

/** Validates a package schema document against the Pulumi Package Metaschema; returns one line per problem. */
export function packageSchemaProblems(doc: unknown): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(readSchemaJson("pulumi", "package.schema.json") as object);
  return validate(doc) ? [] : formatAjvErrors(validate.errors, doc);
}

/** What the host's analyzer says about one component. */
export interface ComponentVerdict {
  name: string;
  /** The analyzer's definition when it accepts the component. */
  result?: AnalyzeResult;
  /** The error the host reports (the analyzer stops at the first one); undefined when accepted. */
  firstError?: string;
  /** Every property the analyzer rejects, each with its own error (the analyzer run on past each failure). */
  allErrors: string[];
}

/** The analyzer's private state and steps the harness drives (names as in analyzer.js of @pulumi/pulumi 3.248). */
interface AnalyzerInternals {
  components: Record<string, unknown>;
  typeDefinitions: Record<string, unknown>;
  dependencies: unknown[];
  docStrings: Record<string, string>;
  componentNames: Set<string>;
  analyze(): AnalyzeResult;
  analyzeSymbol(context: object, symbol: object): object;
}

/**
 * Runs the host's analyzer (one TypeScript program for all) on each component alone: once unchanged, for the
 * error the host reports, and once carrying on past each rejected property, for the full list.
 */
export function analyzeEach(names: readonly string[], packageName = "finetune-kit"): ComponentVerdict[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(path.join(ROOT, "package.json")) as Record<string, unknown>;
  const analyzer = new Analyzer(ROOT, packageName, pkg, new Set(names)) as unknown as AnalyzerInternals;
  const reset = (name: string): void => {
    analyzer.components = {};
    analyzer.typeDefinitions = {};
    analyzer.dependencies = [];
    analyzer.docStrings = {};
    analyzer.componentNames = new Set([name]);
  };
  const original = analyzer.analyzeSymbol;
  return names.map((name) => {
    reset(name);
    let result: AnalyzeResult | undefined;
    let firstError: string | undefined;
    try {
      result = analyzer.analyze();
    } catch (e) {
      firstError = (e as Error).message;
    }
    const allErrors: string[] = [];
    if (firstError !== undefined) {
      reset(name);
      analyzer.analyzeSymbol = function (this: AnalyzerInternals, context: object, symbol: object): object {
        try {
          return original.call(this, context, symbol);
        } catch (e) {
          allErrors.push((e as Error).message);
          return { $ref: "pulumi.json#/Any" };
        }
      };
      try {
        analyzer.analyze();
      } catch (e) {
        allErrors.push((e as Error).message);
      } finally {
        analyzer.analyzeSymbol = original;
      }
    }
    return { name, ...(result ? { result } : {}), ...(firstError !== undefined ? { firstError } : {}), allErrors };
  });
}
