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

/** A check of one argument value: the problem's message (`<what is wrong> (<how to fix>)`) when wrong, else undefined. */
export type ValueCheck<T> = (value: T) => string | undefined;

/** What {@link checkInput} returns. */
export interface CheckedInput<T> {
  /** Problems of a value known now: report them with the other argument problems, before `super()`. */
  problems: Problem[];
  /**
   * The value to hand on to child resources: the value itself when known now; for an Output / Promise (or a list
   * holding one), an Output of the same value whose `apply` runs the check and fails with the same
   * `<component> "<name>" has invalid arguments` message, property path and reason (an `InputPropertiesError`).
   */
  value: T;
}

/** True when `v` holds no Output or Promise (walks arrays and plain objects). */
export function isPlainDeep(v: unknown, depth = 0): boolean {
  if (pulumi.Output.isInstance(v) || v instanceof Promise) return false;
  if (depth > 8 || v === null || typeof v !== "object" || pulumi.Resource.isInstance(v)) return true;
  if (Array.isArray(v)) return v.every((x) => isPlainDeep(x, depth + 1));
  return Object.getPrototypeOf(v) !== Object.prototype || Object.values(v).every((x) => isPlainDeep(x, depth + 1));
}

/**
 * Validates one `pulumi.Input` argument the same way whether it is known now or not. A plain value (no Output or
 * Promise anywhere in it) is checked at once and any problem returned in `problems`; an Output / Promise is
 * checked inside `apply` when it resolves and fails there with the same property-path message. `undefined` is
 * never checked (optional arguments: check presence separately). Pass the returned `value` to the child
 * resources: the deferred check only runs if something consumes it.
 *
 * @param component Component type as the messages name it, e.g. `GkeGpuNodePool`.
 * @param name The component's resource name.
 * @param value The argument as the user gave it.
 * @param path Property path, e.g. `serviceAccountEmail`, `gpuNetworks.additional`.
 * @param check Returns the message when the (resolved) value is wrong.
 */
export function checkInput<I extends pulumi.Input<unknown> | undefined>(
  component: string,
  name: string,
  value: I,
  path: string,
  check: ValueCheck<pulumi.Unwrap<NonNullable<I>>>,
): CheckedInput<I> {
  if (value === undefined) return { problems: [], value };
  if (isPlainDeep(value)) {
    const message = check(value as pulumi.Unwrap<NonNullable<I>>);
    return { problems: message === undefined ? [] : [{ path, message }], value };
  }
  const checked = pulumi.output(value as NonNullable<I>).apply((v) => {
    const message = check(v as pulumi.Unwrap<NonNullable<I>>);
    if (message !== undefined) throwIfProblems(component, name, [{ path, message }]);
    return v;
  });
  // The same value once resolved (an Output where the caller gave an Output or a Promise).
  return { problems: [], value: checked as unknown as I };
}

/** Who reports a problem found inside `apply`: the component's type name and resource name. */
export interface InputOwner {
  /** Component class name, e.g. `PrometheusMonitoring`. */
  component: string;
  /** The component's resource name. */
  name: string;
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

/**
 * A resource's arguments whose shape (`keys`) is decided now, from a render with placeholders, and whose every field
 * comes from `real`, the render on the resolved inputs: `keep` fields (e.g. `apiVersion`, `kind`) are taken from
 * `shape` as they are.
 */
export function fieldsFromRender(
  shape: Record<string, unknown>,
  real: pulumi.Output<Record<string, unknown>>,
  keep: readonly string[] = [],
): Record<string, unknown> {
  return Object.fromEntries(Object.keys(shape).map((k) => [k, keep.includes(k) ? shape[k] : real.apply((r) => r[k])]));
}

/** Error thrown when a plain view (e.g. `contract`) is read while it derives from arguments not known yet. */
export function unknownViewError(owner: InputOwner, view: string, outputView: string): Error {
  return new Error(
    `${owner.component} "${owner.name}": ${view} derives from arguments passed as Outputs and is not known at construction (read ${outputView}, a pulumi.Output, instead)`,
  );
}

/**
 * {@link checkInput} for a check that can report several problems (each with its own path), e.g. a contract: a known
 * value's problems are returned (to be thrown with the component's other problems, all at once); an unknown
 * value is checked inside `apply`, where the same problems (same property paths, same text) fail the
 * deployment through {@link throwIfProblems}. `output` is the value, checked when it resolves.
 */
export function checkInputProblems<T>(
  component: string,
  name: string,
  value: pulumi.Input<T>,
  check: (v: T) => Problem[],
): { problems: Problem[]; output: pulumi.Output<T> } {
  if (isKnown(value)) return { problems: check(value), output: pulumi.output(value) as pulumi.Output<T> };
  const output = (pulumi.output(value) as pulumi.Output<T>).apply((v) => {
    throwIfProblems(component, name, check(v as T));
    return v as T;
  }) as pulumi.Output<T>;
  return { problems: [], output };
}

/**
 * The problems of arguments checked with each Output (or Promise) replaced by a placeholder, less those at a path
 * that held an Output: what a component can report at construction about the values it knows now. The others
 * are checked again on the resolved arguments, inside `apply`.
 */
export function knownProblems(args: object, problems: Problem[]): Problem[] {
  const unknownAt = outputProblems(args).map((p) => p.path);
  return problems.filter((p) => !unknownAt.some((u) => p.path === u || p.path.startsWith(`${u}.`) || p.path.startsWith(`${u}[`)));
}
