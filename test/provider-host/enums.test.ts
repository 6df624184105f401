/**
 * The `as const` enums and named interfaces introduced for the provider host's analyzer against the tables they
 * stand for: the same values, at run time and at compile time (a value added to one side only fails tsc or vitest).
 */
import { describe, expect, it } from "vitest";
import { type ArtifactImages, STAGE_IMAGE_ROLES, StageImageRole } from "../../core/contracts/artifact-store";
import { CapacityType } from "../../core/contracts/gpu-pool";
import { CREDENTIALED_UPSTREAMS, type CredentialedUpstream, type PlannedImages, type UpstreamCredentialArns } from "../../core/images";
import { EKS_AMI_DRIVER_BRANCH } from "../../components/cuda-driver-stack/versions";
import { EksGpuAmiType } from "../../components/gpu-node-pool/eks";
import { GKE_SHARING_STRATEGY, GkeSharingStrategy } from "../../components/gpu-node-pool/gke";
import { KARPENTER_AMI, KarpenterAmiFamily } from "../../components/gpu-node-pool/karpenter";
import type { NodesByCapacity } from "../../components/gpu-node-pool/kueue-render";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Compile-time: each enum / interface has exactly the keys of the table it replaces.
export const checks: [
  Same<StageImageRole, (typeof STAGE_IMAGE_ROLES)[number]>,
  Same<keyof ArtifactImages, StageImageRole>,
  Same<keyof PlannedImages, StageImageRole>,
  Same<keyof UpstreamCredentialArns, CredentialedUpstream>,
  Same<keyof NodesByCapacity, CapacityType>,
  Same<KarpenterAmiFamily, keyof typeof KARPENTER_AMI>,
  Same<EksGpuAmiType, Exclude<keyof typeof EKS_AMI_DRIVER_BRANCH, "checked">>,
  Same<GkeSharingStrategy, keyof typeof GKE_SHARING_STRATEGY>,
] = [true, true, true, true, true, true, true, true];
// @ts-expect-error planted fault: a role missing from the interface is caught
export const planted: Same<keyof Omit<ArtifactImages, "serving">, StageImageRole> = true;

describe("as-const enums for the provider host hold the values of the tables they stand for", () => {
  it("StageImageRole: the STAGE_IMAGE_ROLES values", () => {
    expect(Object.values(StageImageRole)).toEqual([...STAGE_IMAGE_ROLES]);
  });
  it("KarpenterAmiFamily: the KARPENTER_AMI keys", () => {
    expect(Object.values(KarpenterAmiFamily)).toEqual(Object.keys(KARPENTER_AMI));
  });
  it("EksGpuAmiType: the EKS_AMI_DRIVER_BRANCH AMI keys", () => {
    expect(Object.values(EksGpuAmiType)).toEqual(Object.keys(EKS_AMI_DRIVER_BRANCH).filter((k) => k !== "checked"));
  });
  it("GkeSharingStrategy: the GKE_SHARING_STRATEGY keys", () => {
    expect(Object.values(GkeSharingStrategy)).toEqual(Object.keys(GKE_SHARING_STRATEGY));
  });
  it("UpstreamCredentialArns keys: CREDENTIALED_UPSTREAMS (checked by tsc above; the list itself)", () => {
    expect([...CREDENTIALED_UPSTREAMS]).toEqual(["docker-hub", "github-container-registry", "gitlab-container-registry"]);
  });
});
