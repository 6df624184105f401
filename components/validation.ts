import * as pulumi from "@pulumi/pulumi";

import { throwIfProblems, type Problem } from "../core/problem";

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

/** Where a component needs a plain value, the reason given when it receives an Output or a Promise. */
export const PLAIN_VALUE_REASON =
  "is a pulumi.Output (or Promise), but this argument needs a plain value to decide names and defaults now (pass a literal, or create the component inside .apply())";

/**
 * One problem per place in `args` that holds an `Output` or a `Promise` where the component needs a plain
 * value: everywhere except under the top-level arguments named in `inputArgs` (those the component takes as
 * `pulumi.Input`). Walks plain objects and arrays only (never into resources), so a passed Output is a clear
 * argument error, never `Calling [toString] on an [Output<T>]` inside a name.
 */
export function outputProblems(args: object, inputArgs: readonly string[] = []): Problem[] {
  const problems: Problem[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (v === null || v === undefined || depth > 8) return;
    if (pulumi.Output.isInstance(v) || v instanceof Promise) {
      problems.push({ path: path, message: PLAIN_VALUE_REASON });
      return;
    }
    if (pulumi.Resource.isInstance(v)) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`, depth + 1));
      return;
    }
    if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k, depth + 1);
    }
  };
  for (const [k, v] of Object.entries(args)) {
    if (!inputArgs.includes(k)) walk(v, k, 0);
  }
  return problems;
}

/**
 * For `super(TYPE, validatedName(...), {}, opts)`: throws the component's argument problems before it
 * registers (nothing is created for invalid arguments), or returns the resource name.
 */
export function validatedName(component: string, name: string, problems: Problem[]): string {
  throwIfProblems(component, name, problems);
  return name;
}

/**
 * Validates one `pulumi.Input` argument the same way whether it is known now or only at deployment: a known
 * value's problems are returned (to be thrown with the component's other problems, all at once); an unknown
 * value is checked inside `apply`, where the same problems (same property paths, same text) fail the
 * deployment through {@link throwIfProblems}. `output` is the value, checked when it resolves.
 */
export function checkInput<T>(component: string, name: string, value: pulumi.Input<T>, check: (v: T) => Problem[]): { problems: Problem[]; output: pulumi.Output<T> } {
  if (isKnown(value)) return { problems: check(value), output: pulumi.output(value) as pulumi.Output<T> };
  const output = (pulumi.output(value) as pulumi.Output<T>).apply((v) => {
    throwIfProblems(component, name, check(v as T));
    return v as T;
  }) as pulumi.Output<T>;
  return { problems: [], output };
}

/** True when `v` holds no Output or Promise anywhere in its plain objects and arrays (a deeply known value). */
export function isDeeplyKnown(v: unknown): boolean {
  return outputProblems({ v }).length === 0;
}
