/**
 * A fake Pulumi engine for the provider host's `Construct`, offline and in-process: one gRPC server serving the
 * ResourceMonitor (the address a ConstructRequest names as `monitorEndpoint`) and the Engine (the address the host
 * is started with), built on the service definitions shipped in @pulumi/pulumi (`proto/*_grpc_pb.js`).
 *
 * It answers as `pulumi.runtime.setMocks` does for the TypeScript tests (plan/mock-engine.ts): the state of each
 * registered resource is `mockResourceState` (plan/mock-state.ts), invokes are `mockInvoke`, URNs are built the
 * same way. It records every registration as the engine received it: inputs raw, with secrets and unknowns marked
 * in Pulumi's wire format, so a test can compare them with the TypeScript path's.
 */
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { mockInvoke, mockResourceState } from "../../plan/mock-state";

/* eslint-disable @typescript-eslint/no-require-imports */
const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb") as { ResourceMonitorService: grpc.ServiceDefinition };
const resproto = require("@pulumi/pulumi/proto/resource_pb") as typeof import("@pulumi/pulumi/proto/resource_pb");
const enginerpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as { EngineService: grpc.ServiceDefinition };
const engineproto = require("@pulumi/pulumi/proto/engine_pb") as typeof import("@pulumi/pulumi/proto/engine_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb") as typeof import("@pulumi/pulumi/proto/provider_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb") as typeof import("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb") as typeof import("google-protobuf/google/protobuf/empty_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

/** The features a current engine reports (`SupportsFeature`); any other is answered "no". */
export const ENGINE_FEATURES = ["secrets", "resourceReferences", "outputValues", "deletedWith", "aliasSpecs", "transforms", "invokeTransforms"] as const;

/** One `RegisterResource` as the fake engine received it. */
export interface EngineRegistration {
  type: string;
  name: string;
  urn: string;
  /** Parent URN ("" for none). */
  parent: string;
  custom: boolean;
  /** Inputs in Pulumi's wire format (secrets `{4dabf…: 1b47…, value}`, unknowns `04da6b54-…`). */
  inputs: Record<string, unknown>;
  /** The `type` of each alias spec. */
  aliasTypes: string[];
  dependencies: string[];
}

/** One `Engine.Log` message. */
export interface EngineLog {
  severity: number;
  message: string;
  urn: string;
}

type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
type Done = grpc.sendUnaryData<unknown>;

/** The running fake engine. */
export interface FakeEngine {
  /** `127.0.0.1:<port>`: both the monitor endpoint and the engine address. */
  address: string;
  project: string;
  stack: string;
  /** The root stack resource's URN (`GetRootResource`; give it as the Construct parent). */
  stackUrn: string;
  registrations: EngineRegistration[];
  logs: EngineLog[];
  /** Outputs registered per URN (`RegisterResourceOutputs`), wire format. */
  outputs: Map<string, Record<string, unknown>>;
  stop(): Promise<void>;
}

/** `urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>`, as the mock monitor builds it. */
function newUrn(stack: string, project: string, parent: string, type: string, name: string): string {
  const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** Starts the fake engine on a free local port. */
export async function startFakeEngine(opts: { project?: string; stack?: string } = {}): Promise<FakeEngine> {
  const project = opts.project ?? "finetune";
  const stack = opts.stack ?? "dev";
  const stackUrn = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
  let rootUrn = stackUrn;
  const registrations: EngineRegistration[] = [];
  const logs: EngineLog[] = [];
  const outputs = new Map<string, Record<string, unknown>>();

  const fail = (done: Done, e: unknown): void => done({ code: grpc.status.UNKNOWN, details: e instanceof Error ? e.message : String(e) });

  const monitor: grpc.UntypedServiceImplementation = {
    supportsFeature(call: Call<InstanceType<typeof resproto.SupportsFeatureRequest>>, done: Done) {
      const res = new resproto.SupportsFeatureResponse();
      res.setHassupport((ENGINE_FEATURES as readonly string[]).includes(call.request.getId()));
      done(null, res);
    },
    async registerResource(call: Call<InstanceType<typeof resproto.RegisterResourceRequest>>, done: Done) {
      try {
        const req = call.request;
        const raw = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
        const urn = newUrn(stack, project, req.getParent(), req.getType(), req.getName());
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn,
          parent: req.getParent(),
          custom: req.getCustom(),
          inputs: raw,
          aliasTypes: req
            .getAliasesList()
            .map((a) => a.getSpec()?.getType() ?? "")
            .filter((t) => t !== ""),
          dependencies: req.getDependenciesList(),
        });
        // As the mock monitor: the mock state for the deserialized inputs, serialized back.
        const { id, state } = mockResourceState(
          req.getType(),
          req.getName(),
          pulumi.runtime.deserializeProperties(req.getObject()!) as Record<string, unknown>,
        );
        const res = new resproto.RegisterResourceResponse();
        res.setUrn(urn);
        res.setId(req.getCustom() ? req.getImportid() || id : "");
        res.setObject(structproto.Struct.fromJavaScript((await pulumi.runtime.serializeProperties("", state)) as Record<string, never>));
        done(null, res);
      } catch (e) {
        fail(done, e);
      }
    },
    registerResourceOutputs(call: Call<InstanceType<typeof resproto.RegisterResourceOutputsRequest>>, done: Done) {
      outputs.set(call.request.getUrn(), (call.request.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>);
      done(null, new emptyproto.Empty());
    },
    async invoke(call: Call<InstanceType<typeof resproto.ResourceInvokeRequest>>, done: Done) {
      try {
        const args = pulumi.runtime.deserializeProperties(call.request.getArgs()!) as Record<string, unknown>;
        const res = new provproto.InvokeResponse();
        res.setReturn(
          structproto.Struct.fromJavaScript((await pulumi.runtime.serializeProperties("", mockInvoke(call.request.getTok(), args))) as Record<string, never>),
        );
        done(null, res);
      } catch (e) {
        fail(done, e);
      }
    },
    signalAndWaitForShutdown(_call: Call<unknown>, done: Done) {
      done(null, new emptyproto.Empty());
    },
  };

  const engine: grpc.UntypedServiceImplementation = {
    log(call: Call<InstanceType<typeof engineproto.LogRequest>>, done: Done) {
      logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage(), urn: call.request.getUrn() });
      done(null, new emptyproto.Empty());
    },
    getRootResource(_call: Call<unknown>, done: Done) {
      const res = new engineproto.GetRootResourceResponse();
      res.setUrn(rootUrn);
      done(null, res);
    },
    setRootResource(call: Call<InstanceType<typeof engineproto.SetRootResourceRequest>>, done: Done) {
      rootUrn = call.request.getUrn();
      done(null, new engineproto.SetRootResourceResponse());
    },
  };

  const server = new grpc.Server();
  server.addService(resrpc.ResourceMonitorService, monitor);
  server.addService(enginerpc.EngineService, engine);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    project,
    stack,
    stackUrn,
    registrations,
    logs,
    outputs,
    stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}
