export * from "../../core/contracts/driver-stack";
export * from "./versions";
export { checkCudaCompatibility, assertCudaCompatibility } from "./compatibility";
export type { CudaCompatibilityInput, CudaCompatibilityAssertion, DriverPlatform } from "./compatibility";
export {
  DriverStackPlatform,
  DriverStackMode,
  DRIVER_STACK_LAYOUTS,
  GKE_MANAGED_DCGM_MONITORING,
  TIME_SLICING_CONFIG,
  renderGpuOperatorValues,
  clusterPolicyFromValues,
  renderDcgmServiceMonitor,
  renderTimeSlicingConfig,
} from "./gpu-operator";
export type { DriverStackLayout, GpuOperatorValuesInput } from "./gpu-operator";
export { CudaDriverStack, planDriverStack, gkeDriverBranch, MigStrategy } from "./driver-stack";
export type { CudaDriverStackArgs, DriverStackPlan } from "./driver-stack";
export {
  GpuSmokeTest,
  renderSmokeTestJob,
  smokeScript,
  SMOKE_SCRIPT_FILE,
  SMOKE_EXIT_NO_GPU,
  renderNcclSmokeTest,
  ncclSmokeScript,
  ncclSmokeDefault,
  ncclSmokeImage,
  ncclThresholdForPool,
  NCCL_SMOKE_SCRIPT_FILE,
  NCCL_SMOKE_FAIL_JOB_EXIT_CODES,
} from "./smoke-test";
export type { GpuSmokeTestArgs, SmokeTestRenderInput, NcclSmokeRenderInput } from "./smoke-test";
