import * as pulumi from "@pulumi/pulumi";

/** One invalid argument: the property path a caller typed and what is wrong with it (and how to fix it). */
export interface ArgProblem {
  propertyPath: string;
  reason: string;
}

/**
 * Throws one `pulumi.InputPropertiesError` listing every problem (each also in the message), or returns when
 * there is none. Components call it at construction, before creating any child.
 */
export function throwIfInvalid(component: string, name: string, problems: ArgProblem[]): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) => `  ${p.propertyPath}: ${p.reason}`);
  throw new pulumi.InputPropertiesError({
    message: [`${component} "${name}" has ${problems.length} invalid argument${problems.length === 1 ? "" : "s"}:`, ...lines].join("\n"),
    errors: problems,
  });
}

/** True when `v` is a plain (known) value rather than an Output or a Promise. */
export function isKnown<T>(v: pulumi.Input<T> | undefined): v is T {
  return v !== undefined && !pulumi.Output.isInstance(v) && !(v instanceof Promise);
}
