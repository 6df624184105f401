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

/** Who reports a problem found inside `apply`: the component's type name and resource name. */
export interface InputOwner {
  /** Component class name, e.g. `PrometheusMonitoring`. */
  component: string;
  /** The component's resource name. */
  name: string;
}

/**
 * Checks one `pulumi.Input` argument the same way whether it is known now or not. `check` returns the problem's
 * message (`<what is wrong> (<how to fix>)`), or `undefined` when the value is fine.
 * - Known value: the problem (at most one) is returned in `problems`, for the caller to report with every other
 *   problem before `super()`; `value` is the value itself.
 * - Unknown value (an Output or a Promise): `problems` is empty and `value` is an Output that runs `check` inside
 *   `apply` and fails the deployment with the same `path: message` (an InputPropertiesError of `owner`).
 */
export function checkInput<T>(value: pulumi.Input<T>, path: string, check: (v: T) => string | undefined, owner: InputOwner): { problems: Problem[]; value: pulumi.Input<T> } {
  if (isKnown(value)) {
    const message = check(value);
    return { problems: message === undefined ? [] : [{ path, message }], value };
  }
  const checked = pulumi.output(value).apply((v) => {
    const message = check(v as T);
    throwIfProblems(owner.component, owner.name, message === undefined ? [] : [{ path, message }]);
    return v;
  }) as pulumi.Output<T>;
  return { problems: [], value: checked };
}

/** True when `args` holds no Output or Promise anywhere (plain objects and arrays walked, resources skipped). */
export function allKnown(args: object): boolean {
  return outputProblems(args).length === 0;
}

/**
 * `args` with every Output or Promise (walked as {@link outputProblems} walks) replaced by `placeholder`: the
 * shape a planner sees when it must decide names and structure before the values are known.
 */
export function withPlaceholders<T extends object>(args: T, placeholder: string): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || v === undefined || depth > 8) return v;
    if (pulumi.Output.isInstance(v) || v instanceof Promise) return placeholder;
    if (pulumi.Resource.isInstance(v)) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, depth + 1)]));
    }
    return v;
  };
  return walk(args, 0) as T;
}

/** Error thrown when a plain view (e.g. `contract`) is read while it derives from arguments not known yet. */
export function unknownViewError(owner: InputOwner, view: string, outputView: string): Error {
  return new Error(`${owner.component} "${owner.name}": ${view} derives from arguments passed as Outputs and is not known at construction (read ${outputView}, a pulumi.Output, instead)`);
}
