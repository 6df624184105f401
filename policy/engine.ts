/** One policy violation as `plan` reports it. */
export interface PolicyViolation {
  policy: string;
  enforcementLevel: "mandatory" | "advisory";
  /** URN of the resource, absent for stack policies. */
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

/** Runs every policy of the pack over a stack's resources. Placeholder until the policy pack lands. */
export function runPolicies(_resources: PolicyResource[], _stackTags: Record<string, string> = {}): PolicyViolation[] {
  return [];
}
