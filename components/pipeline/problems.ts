import * as pulumi from "@pulumi/pulumi";

/** One construction-time problem, tied to the argument (or config key) it is about. */
export interface ArgProblem {
  propertyPath: string;
  reason: string;
}

/** Throws one `pulumi.InputPropertiesError` listing every problem (also in its message); returns when there are none. */
export function throwIfProblems(component: string, name: string, problems: ArgProblem[]): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) => `  ${p.propertyPath}: ${p.reason}`).join("\n");
  throw new pulumi.InputPropertiesError({
    message: `${component} "${name}" has invalid arguments (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines}`,
    errors: problems,
  });
}
