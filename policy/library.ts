/**
 * finetune-guard as a library: `import { runPolicies, policies } from "finetune-kit/policy"`.
 *
 * Loads from any directory and starts nothing (no gRPC server, no package.json lookup): a program or test runs
 * the pack in-process over its own resources, exactly as the offline `plan` does. The Pulumi CLI loads the
 * pack itself from the folder (`pulumi preview --policy-pack node_modules/finetune-kit/dist/policy`), whose
 * `index.js` constructs the `PolicyPack`.
 *
 * ```ts
 * import { mandatoryViolations, runPolicies } from "finetune-kit/policy";
 * const violations = runPolicies(resources, { env: "ci" }, { config: { "gpu-pool-max-size": { maxNodes: 16 } } });
 * expect(mandatoryViolations(violations)).toEqual([]);
 * ```
 */
export {
  mandatoryViolations,
  policies,
  policyListMarkdown,
  policyReport,
  runPolicies,
  type KitPolicy,
  type PolicyPackConfig,
  type PolicyReport,
  type PolicyResource,
  type PolicyViolation,
  type RunPoliciesOptions,
} from "./engine";
export { PolicyGroup } from "./kit-policy";
