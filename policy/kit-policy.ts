/**
 * How a finetune-guard policy is written: a small spec (name, description, level, remediation, the resource
 * types it applies to and a `check` over plain values) that {@link resourcePolicy} / {@link stackPolicy} turn
 * into a CrossGuard policy. The wrapper is the one place that
 * - skips resources of other types (`notApplicable`, exactly as the engine's typed helpers do),
 * - applies the policy's config defaults and the shared `exemptResources` exemption,
 * - hands the check plain values with unknowns marked (see `lib/values.ts`).
 * No Pulumi engine or gRPC here: tests and the offline `plan` import this freely.
 */
import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { arr, plain, rec, str, type JsonObject } from "./lib/values";

/** Policy groups (one module each under `policy/policies/`). */
export const PolicyGroup = {
  FineTuning: "fine-tuning",
  Kubernetes: "kubernetes",
  Aws: "aws",
  Gcp: "gcp",
  Data: "data",
} as const;
export type PolicyGroup = (typeof PolicyGroup)[keyof typeof PolicyGroup];

/** Levels the pack uses: mandatory where security or data is at stake, advisory for cost and hygiene. */
export const Level = { Mandatory: "mandatory", Advisory: "advisory" } as const;
export type Level = (typeof Level)[keyof typeof Level];

/** Config every policy accepts. */
export interface BaseConfig {
  /** Resource names or URNs the policy skips (for a stack policy: violations about them are dropped). */
  exemptResources: string[];
}

/** A resource as a kit check sees it: plain inputs (unknowns are `UNKNOWN`) and the options that matter. */
export interface CheckedResource {
  type: string;
  name: string;
  urn: string;
  props: JsonObject;
  /** `protect` resource option. */
  protect: boolean;
  /** Parent URN. */
  parent?: string;
}

/** A resource in a stack check, with the URNs it depends on (explicit and property dependencies). */
export interface StackResource extends CheckedResource {
  dependencies: string[];
  /** Dependencies per input property, where the engine reports them. */
  propertyDependencies: Record<string, string[]>;
}

/** Extra config properties of a policy: JSON schema with a default. */
export type ExtraConfig = Record<string, PolicyConfigJSONSchema & { default: unknown }>;

interface CommonSpec<C extends object> {
  /** kebab-case, unique in the pack. */
  name: string;
  /** One sentence: what the policy requires. */
  description: string;
  enforcementLevel: Level;
  group: PolicyGroup;
  /** What to change when the policy fires (shown in the README table and as `remediationSteps`). */
  remediation: string;
  /** Config beyond `exemptResources`, with defaults. */
  config?: { [K in keyof C]: PolicyConfigJSONSchema & { default: C[K] } };
}

export interface ResourcePolicySpec<C extends object = object> extends CommonSpec<C> {
  /** Type tokens the policy applies to, or a predicate over the type token. */
  appliesTo: readonly string[] | ((type: string) => boolean);
  /** How `appliesTo` reads in a not-applicable reason, e.g. `Kubernetes workloads`. */
  appliesToLabel?: string;
  check(resource: CheckedResource, report: (message: string) => void, config: C & BaseConfig): void;
}

export interface StackPolicySpec<C extends object = object> extends CommonSpec<C> {
  check(stack: StackView, report: (message: string, urn?: string) => void, config: C & BaseConfig): void;
}

/** Metadata the kit keeps beside each CrossGuard policy. */
export interface KitPolicyInfo {
  name: string;
  description: string;
  enforcementLevel: Level;
  group: PolicyGroup;
  remediationSteps: string;
  configSchema: PolicyConfigSchema;
  /** True when the policy applies to resources of this type (resource policies only). */
  appliesTo?: (type: string) => boolean;
}

export type KitResourcePolicy = ResourceValidationPolicy & KitPolicyInfo & { kind: "resource"; appliesTo: (type: string) => boolean };
export type KitStackPolicy = StackValidationPolicy & KitPolicyInfo & { kind: "stack" };
export type KitPolicy = KitResourcePolicy | KitStackPolicy;

const EXEMPT_SCHEMA: PolicyConfigJSONSchema = {
  type: "array",
  items: { type: "string" },
  default: [],
  description: "Names or URNs of resources this policy does not check.",
};

function configSchemaOf<C extends object>(spec: CommonSpec<C>): PolicyConfigSchema {
  return { properties: { exemptResources: EXEMPT_SCHEMA, ...(spec.config ?? {}) } as Record<string, PolicyConfigJSONSchema> };
}

/** The policy's config: user values over defaults. */
function configOf<C extends object>(spec: CommonSpec<C>, given: object): C & BaseConfig {
  const out: Record<string, unknown> = { exemptResources: [] };
  for (const [k, s] of Object.entries(spec.config ?? {})) out[k] = (s as { default: unknown }).default;
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined && k !== "enforcementLevel") out[k] = v;
  out.exemptResources = arr(out.exemptResources).filter((x): x is string => typeof x === "string");
  return out as C & BaseConfig;
}

/** The one exemption rule: a resource is exempt when its name or URN is listed. */
export function isExempt(config: BaseConfig, name: string, urn: string): boolean {
  return config.exemptResources.includes(name) || config.exemptResources.includes(urn);
}

function matcher(appliesTo: readonly string[] | ((type: string) => boolean)): (type: string) => boolean {
  if (typeof appliesTo === "function") return appliesTo;
  const set = new Set(appliesTo);
  return (type) => set.has(type);
}

/** Builds a CrossGuard resource policy from a kit spec. */
export function resourcePolicy<C extends object = object>(spec: ResourcePolicySpec<C>): KitResourcePolicy {
  const applies = matcher(spec.appliesTo);
  const label = spec.appliesToLabel ?? (Array.isArray(spec.appliesTo) ? spec.appliesTo.join(", ") : "some resource types");
  return {
    kind: "resource",
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel,
    group: spec.group,
    remediationSteps: spec.remediation,
    configSchema: configSchemaOf(spec),
    appliesTo: applies,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      if (!applies(args.type)) args.notApplicable(`applies only to ${label}`);
      const config = configOf(spec, args.getConfig<object>());
      if (isExempt(config, args.name, args.urn)) args.notApplicable(`${args.name} is listed in exemptResources`);
      const resource: CheckedResource = {
        type: args.type,
        name: args.name,
        urn: args.urn,
        props: rec(plain(args.props)),
        protect: args.opts?.protect === true,
        parent: args.opts?.parent,
      };
      spec.check(resource, (message) => reportViolation(message), config);
    },
  };
}

/** Builds a CrossGuard stack policy from a kit spec. */
export function stackPolicy<C extends object = object>(spec: StackPolicySpec<C>): KitStackPolicy {
  return {
    kind: "stack",
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel,
    group: spec.group,
    remediationSteps: spec.remediation,
    configSchema: configSchemaOf(spec),
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const config = configOf(spec, args.getConfig<object>());
      const resources: StackResource[] = args.resources.map((r) => {
        const propertyDependencies: Record<string, string[]> = {};
        for (const [k, deps] of Object.entries(r.propertyDependencies ?? {})) propertyDependencies[k] = deps.map((d) => d.urn);
        const dependencies = new Set((r.dependencies ?? []).map((d) => d.urn));
        for (const deps of Object.values(propertyDependencies)) deps.forEach((u) => dependencies.add(u));
        return {
          type: r.type,
          name: r.name,
          urn: r.urn,
          props: rec(plain(r.props)),
          protect: r.opts?.protect === true,
          parent: r.parent?.urn ?? r.opts?.parent,
          dependencies: [...dependencies],
          propertyDependencies,
        };
      });
      const view = new StackView(resources);
      spec.check(
        view,
        (message, urn) => {
          const r = urn ? view.byUrn(urn) : undefined;
          if (r && isExempt(config, r.name, r.urn)) return;
          reportViolation(message, urn);
        },
        config,
      );
    },
  };
}

/** Read-only view of a stack's resources with the lookups cross-resource policies need. */
export class StackView {
  private readonly index: Map<string, StackResource>;
  constructor(readonly resources: readonly StackResource[]) {
    this.index = new Map(resources.map((r) => [r.urn, r]));
  }
  byUrn(urn: string): StackResource | undefined {
    return this.index.get(urn);
  }
  ofType(...types: string[]): StackResource[] {
    return this.resources.filter((r) => types.includes(r.type));
  }
  /**
   * Resources of `types` attached to `target` through input `prop` (e.g. a BucketPublicAccessBlock's
   * `bucket`): by property dependency, by plain dependency, or by the value naming the target.
   */
  attached(target: StackResource, types: readonly string[], prop: string, targetIds: readonly string[]): StackResource[] {
    return this.resources.filter((r) => {
      if (!types.includes(r.type)) return false;
      const byProp = r.propertyDependencies[prop];
      if (byProp && byProp.length) return byProp.includes(target.urn);
      if (r.dependencies.includes(target.urn)) return true;
      const v = str(r.props[prop]);
      return v !== undefined && targetIds.includes(v);
    });
  }
}

/** Display name of a resource for messages: `aws:s3/bucket:Bucket "data"`. */
export function display(r: { type: string; name: string }): string {
  return `${r.type} "${r.name}"`;
}
