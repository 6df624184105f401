import * as pulumi from "@pulumi/pulumi";

/** One construction-time problem, tied to the argument (property path) a caller set. */
export interface ArgProblem {
  propertyPath: string;
  reason: string;
}

/**
 * Throws one `pulumi.InputPropertiesError` listing every problem (also in its message, one per line), or
 * returns when there are none. Every kit component validates its arguments through this before creating
 * anything.
 */
export function throwIfProblems(component: string, name: string, problems: ArgProblem[]): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) => `  ${p.propertyPath}: ${p.reason}`).join("\n");
  throw new pulumi.InputPropertiesError({
    message: `${component} "${name}" has invalid arguments (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines}`,
    errors: problems,
  });
}

/** True when `v` is a plain (known) value rather than an Output or a Promise. */
export function isKnown<T>(v: pulumi.Input<T> | undefined): v is T {
  return v !== undefined && !pulumi.Output.isInstance(v) && !(v instanceof Promise);
}

/** How a component keeps its stateful children. */
export interface DataProtection {
  /** `protect` on every stateful child. @default true */
  protect?: boolean;
  /** `retainOnDelete` on every stateful child. @default true */
  retainOnDelete?: boolean;
}

/** Resource options for a stateful child: parent, protect, retainOnDelete (both default to true). */
export function statefulOptions(parent: pulumi.Resource, p: DataProtection, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
  return { ...extra, parent, protect: p.protect ?? true, retainOnDelete: p.retainOnDelete ?? true };
}
