import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  artifactStoreContractFromStack,
  contractFromStackReference,
  contractShapeProblems,
  ContractKind,
  stackContractError,
} from "../../components/contracts-from-stack";
import { l4Pool, minioStore } from "./fixtures";

const valueOf = <T>(o: pulumi.Output<T>): Promise<T> => (o as unknown as { promise(): Promise<T> }).promise();
const { bucket: _b, runsUri: _r, ...storeWithoutTwo } = minioStore;
const OUTPUTS: Record<string, unknown> = { store: minioStore, pool: l4Pool, broken: { ...storeWithoutTwo, egress: "none" }, text: "s3://x" };

describe("contractFromStackReference", () => {
  // The StackReference mock: its resource state carries the referenced stack's outputs (as the engine's does).
  pulumi.runtime.setMocks(
    {
      newResource: (args) =>
        args.type === "pulumi:pulumi:StackReference"
          ? { id: args.inputs.name, state: { name: args.inputs.name, outputs: OUTPUTS, secretOutputNames: [] } }
          : { id: `${args.name}-id`, state: args.inputs },
      call: (args) => args.inputs,
    },
    "consumer",
    "dev",
  );
  const ref = new pulumi.StackReference("acme/platform/prod");

  it("returns the typed contract another stack exported", async () => {
    expect(await valueOf(artifactStoreContractFromStack(ref, "store"))).toEqual(minioStore);
    expect(await valueOf(contractFromStackReference(ref, "pool", ContractKind.GpuPool))).toEqual(l4Pool);
  });

  it("names the output and every missing or mistyped field when the value is not the contract (the error the output fails with)", () => {
    expect(stackContractError("broken", ContractKind.ArtifactStore, OUTPUTS.broken)).toBe(
      'finetune:stackReference: output "broken" is not a artifactStore contract: misses bucket, runsUri; egress is a string, not a object (export the component\'s .contract under this name in the referenced stack)',
    );
    expect(stackContractError("store", ContractKind.GpuPool, minioStore)).toMatch(
      /misses name, gpuType, gpusPerNode, gpuMemoryGiB, computeCapability, architecture, capacityTypes, maxNodes, nodeSelector, tolerations, karpenter, gpuResourceName/,
    );
    expect(stackContractError("absent", ContractKind.DriverStack, undefined)).toBe(
      'finetune:stackReference: output "absent" is not a driverStack contract: is missing, not a driverStack contract object (export the component\'s .contract under this name in the referenced stack)',
    );
    expect(stackContractError("pool", ContractKind.GpuPool, l4Pool)).toBeUndefined();
  });

  it("the shape check is pure: a complete contract has no problems, a string is refused", () => {
    expect(contractShapeProblems(ContractKind.ArtifactStore, minioStore)).toEqual([]);
    expect(contractShapeProblems(ContractKind.Monitoring, "s3://x")).toEqual(["is a string, not a monitoring contract object"]);
  });
});
