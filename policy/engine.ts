/**
 * Runs the finetune-guard pack in-process, the way the Pulumi engine does, over resources recorded by the
 * mock engine (`plan/mock-engine.ts`): resource policies once per resource whose type they apply to, stack
 * policies once over all resources; config (enforcement level overrides, exemptions) as in
 * `pulumi preview --policy-pack-config`. Used by `npm run plan` and the tests. Starts no gRPC server.
 */
import type { PolicyResource as EnginePolicyResource, PolicyResourceOptions, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy/policy";
import type { KitPolicy } from "./kit-policy";
import { policies as allPolicies } from "./policies";

/** One policy violation as `plan` reports it. */
export interface PolicyViolation {
  policy: string;
  enforcementLevel: "mandatory" | "advisory";
  /** URN of the resource, absent for stack-wide violations. */
  urn?: string;
  message: string;
}

/** A resource as the policies see it (what the mock engine records). */
export interface PolicyResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  protect: boolean;
  retainOnDelete: boolean;
  parent?: string;
  provider?: string;
  dependsOn: string[];
}

/** Per-policy config as `--policy-pack-config` takes it: a level, or an object with a level and properties. */
export type PolicyPackConfig = Record<
  string,
  "mandatory" | "advisory" | "disabled" | "remediate" | ({ enforcementLevel?: "mandatory" | "advisory" | "disabled" | "remediate" } & Record<string, unknown>)
>;

/** Options of one in-process run. */
export interface RunPoliciesOptions {
  /** Policy config (enforcement levels, exemptResources, policy properties). @default {} */
  config?: PolicyPackConfig;
  /** Policies to run. @default the whole pack */
  policies?: readonly KitPolicy[];
}

/** Thrown by `notApplicable`; caught by {@link runPolicies} like the engine catches its own marker. */
class NotApplicable extends Error {}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "not applicable");
}

function levelOf(p: KitPolicy, config: PolicyPackConfig): "mandatory" | "advisory" | "disabled" {
  const c = config[p.name];
  const level = typeof c === "string" ? c : (c?.enforcementLevel ?? p.enforcementLevel);
  return level === "remediate" ? "mandatory" : level;
}

function propertiesOf(p: KitPolicy, config: PolicyPackConfig): Record<string, unknown> {
  const c = config[p.name];
  if (!c || typeof c === "string") return {};
  const { enforcementLevel: _ignored, ...rest } = c;
  return rest;
}

function optionsOf(r: PolicyResource): PolicyResourceOptions {
  return {
    protect: r.protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(r.parent ? { parent: r.parent } : {}),
  };
}

const notTyped = (): never => {
  throw new Error("isType/asType take a resource class; finetune-guard policies match type tokens");
};

/** Runs the pack over a stack's resources and returns every violation (resource order, then stack policies). */
export function runPolicies(resources: PolicyResource[], stackTags: Record<string, string> = {}, options: RunPoliciesOptions = {}): PolicyViolation[] {
  const config = options.config ?? {};
  const pack = options.policies ?? allPolicies;
  const tags: ReadonlyMap<string, string> = new Map(Object.entries(stackTags));
  const violations: PolicyViolation[] = [];

  for (const p of pack) {
    const level = levelOf(p, config);
    if (level === "disabled") continue;
    const getConfig = <T extends object>(): T => propertiesOf(p, config) as T;

    if (p.kind === "resource") {
      const validations = Array.isArray(p.validateResource) ? p.validateResource : p.validateResource ? [p.validateResource] : [];
      for (const r of resources) {
        if (!p.appliesTo(r.type)) continue;
        const args: ResourceValidationArgs = {
          type: r.type,
          props: r.inputs,
          urn: r.urn,
          name: r.name,
          opts: optionsOf(r),
          stackTags: tags,
          isType: notTyped,
          asType: notTyped,
          getConfig,
          notApplicable: throwNotApplicable,
        };
        for (const validate of validations) {
          try {
            const result = validate(args, (message) => violations.push({ policy: p.name, enforcementLevel: level, urn: r.urn, message }));
            if (result instanceof Promise) throw new Error(`policy ${p.name} is asynchronous; runPolicies runs synchronous policies only`);
          } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
          }
        }
      }
      continue;
    }

    const byUrn = new Map<string, EnginePolicyResource>();
    const engineResources: EnginePolicyResource[] = resources.map((r) => {
      const er: EnginePolicyResource = {
        type: r.type,
        props: r.inputs,
        urn: r.urn,
        name: r.name,
        opts: optionsOf(r),
        dependencies: [],
        propertyDependencies: {},
        isType: notTyped,
        asType: notTyped,
      };
      byUrn.set(r.urn, er);
      return er;
    });
    resources.forEach((r, i) => {
      const er = engineResources[i];
      if (r.parent && byUrn.has(r.parent)) er.parent = byUrn.get(r.parent);
      er.dependencies = r.dependsOn.map((u) => byUrn.get(u)).filter((x): x is EnginePolicyResource => x !== undefined);
    });
    const args: StackValidationArgs = { resources: engineResources, stackTags: tags, getConfig, notApplicable: throwNotApplicable };
    try {
      const result = p.validateStack(args, (message, urn) => violations.push({ policy: p.name, enforcementLevel: level, ...(urn ? { urn } : {}), message }));
      if (result instanceof Promise) throw new Error(`policy ${p.name} is asynchronous; runPolicies runs synchronous policies only`);
    } catch (e) {
      if (!(e instanceof NotApplicable)) throw e;
    }
  }
  return violations;
}

/** The violations that block a deployment. */
export function mandatoryViolations(violations: readonly PolicyViolation[]): PolicyViolation[] {
  return violations.filter((v) => v.enforcementLevel === "mandatory");
}

/** What `plan` writes to `policy-report.json`. */
export interface PolicyReport {
  summary: { mandatory: number; advisory: number };
  violations: PolicyViolation[];
}

/** The `policy-report.json` structure: counts, then mandatory violations before advisory ones. */
export function policyReport(violations: readonly PolicyViolation[]): PolicyReport {
  const mandatory = mandatoryViolations(violations);
  const advisory = violations.filter((v) => v.enforcementLevel !== "mandatory");
  return { summary: { mandatory: mandatory.length, advisory: advisory.length }, violations: [...mandatory, ...advisory] };
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The pack as a Markdown table (policy | group | level | description | remediation), for the README. */
export function policyListMarkdown(pack: readonly KitPolicy[] = allPolicies): string {
  const rows = pack.map((p) => `| \`${p.name}\` | ${p.group} | ${p.enforcementLevel} | ${cell(p.description)} | ${cell(p.remediationSteps)} |`);
  return ["| policy | group | level | description | remediation |", "|---|---|---|---|---|", ...rows].join("\n") + "\n";
}

export { allPolicies as policies };
export type { KitPolicy };
