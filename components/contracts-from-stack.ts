import * as pulumi from "@pulumi/pulumi";
import type { ArtifactStoreContract } from "../core/contracts/artifact-store";
import type { DriverStackContract } from "../core/contracts/driver-stack";
import type { GpuPoolContract } from "../core/contracts/gpu-pool";
import type { MonitoringContract } from "../core/contracts/monitoring";

/** The contracts one stack can export and another read through a `pulumi.StackReference`. */
export const ContractKind = {
  ArtifactStore: "artifactStore",
  GpuPool: "gpuPool",
  DriverStack: "driverStack",
  Monitoring: "monitoring",
} as const;
export type ContractKind = (typeof ContractKind)[keyof typeof ContractKind];

/** The contract type of each kind. */
export interface ContractOfKind {
  artifactStore: ArtifactStoreContract;
  gpuPool: GpuPoolContract;
  driverStack: DriverStackContract;
  monitoring: MonitoringContract;
}

type FieldType = "string" | "number" | "boolean" | "object" | "array";

/** Required fields of each contract and their JSON types (a stack output is JSON: the shape check reads these). */
export const REQUIRED_CONTRACT_FIELDS: { [K in ContractKind]: Record<string, FieldType> } = {
  artifactStore: {
    platform: "string",
    scheme: "string",
    bucket: "string",
    datasetsUri: "string",
    modelsUri: "string",
    checkpointsUri: "string",
    runsUri: "string",
    registryUri: "string",
    containerRegistry: "string",
    serviceAccountAnnotations: "object",
    identity: "string",
    egress: "object",
  },
  gpuPool: {
    name: "string",
    platform: "string",
    gpuType: "string",
    gpusPerNode: "number",
    gpuMemoryGiB: "number",
    computeCapability: "string",
    architecture: "string",
    capacityTypes: "array",
    maxNodes: "number",
    nodeSelector: "object",
    tolerations: "array",
    karpenter: "boolean",
    gpuResourceName: "string",
  },
  driverStack: { mode: "string", driverVersion: "string", maxCudaVersion: "string", dcgmExporter: "boolean" },
  monitoring: { platform: "string", selectorLabels: "object" },
};

const typeOf = (v: unknown): string => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v);

/**
 * What is wrong with `value` as a contract of `kind`: one line per missing or mistyped required field (empty when
 * the shape is right). Pure.
 */
export function contractShapeProblems(kind: ContractKind, value: unknown): string[] {
  if (typeOf(value) !== "object") return [`is ${value === undefined ? "missing" : `a ${typeOf(value)}`}, not a ${kind} contract object`];
  const o = value as Record<string, unknown>;
  const missing = Object.keys(REQUIRED_CONTRACT_FIELDS[kind]).filter((k) => o[k] === undefined);
  const mistyped = Object.entries(REQUIRED_CONTRACT_FIELDS[kind])
    .filter(([k, t]) => o[k] !== undefined && typeOf(o[k]) !== t)
    .map(([k, t]) => `${k} is a ${typeOf(o[k])}, not a ${t}`);
  return [...(missing.length ? [`misses ${missing.join(", ")}`] : []), ...mistyped];
}

/**
 * A contract another stack exported (`export const store = registry.contract;`), read through `ref` and checked:
 * when the output resolves, a value that is not a `kind` contract fails with an error naming the stack output and
 * every missing or mistyped field. Pass the result where a component takes the contract (e.g. the pipelines'
 * `store`).
 */
export function contractFromStackReference<K extends ContractKind>(ref: pulumi.StackReference, outputName: string, kind: K): pulumi.Output<ContractOfKind[K]> {
  return ref.getOutput(outputName).apply((v: unknown) => {
    const error = stackContractError(outputName, kind, v);
    if (error !== undefined) throw new Error(error);
    return v as ContractOfKind[K];
  }) as pulumi.Output<ContractOfKind[K]>;
}

/** The error {@link contractFromStackReference} fails with when output `outputName` is not a `kind` contract (pure). */
export function stackContractError(outputName: string, kind: ContractKind, value: unknown): string | undefined {
  const problems = contractShapeProblems(kind, value);
  return problems.length === 0
    ? undefined
    : `finetune:stackReference: output "${outputName}" is not a ${kind} contract: ${problems.join("; ")} (export the component's .contract under this name in the referenced stack)`;
}

/** {@link contractFromStackReference} for the artifact store. */
export const artifactStoreContractFromStack = (ref: pulumi.StackReference, outputName: string): pulumi.Output<ArtifactStoreContract> =>
  contractFromStackReference(ref, outputName, ContractKind.ArtifactStore);
/** {@link contractFromStackReference} for a GPU pool. */
export const gpuPoolContractFromStack = (ref: pulumi.StackReference, outputName: string): pulumi.Output<GpuPoolContract> =>
  contractFromStackReference(ref, outputName, ContractKind.GpuPool);
