import * as pulumi from "@pulumi/pulumi";
import { expect } from "vitest";
import { runWithMocks, type RecordedResource } from "../harness";
import { collectFailures, errorText, later } from "../monitoring/input-harness";

export { known, later, settle } from "../monitoring/input-harness";

/** Wraps a value: identity for plain arguments, an Output for Input arguments. */
export type Wrap = <T>(v: T) => pulumi.Input<T>;
/** Plain values. */
export const plain: Wrap = (v) => v;

/** What a resource is, as compared between runs: type, name, parent and inputs, sorted. */
export function resourceShape(rs: RecordedResource[]): { type: string; name: string; parent?: string; inputs: Record<string, unknown> }[] {
  return rs
    .map((r) => ({ type: r.type, name: r.name, parent: r.parent, inputs: r.inputs }))
    .sort((a, b) => `${a.type}/${a.name}`.localeCompare(`${b.type}/${b.name}`));
}

/** Runs `program(wrap)` with plain values and with Outputs resolved later; expects the same resources; returns them. */
export async function expectSameResources(program: (wrap: Wrap) => void): Promise<RecordedResource[]> {
  const a = await runWithMocks(() => program(plain));
  const b = await runWithMocks(() => program(later as Wrap));
  expect(a.resources.length).toBeGreaterThan(1);
  expect(resourceShape(b.resources)).toEqual(resourceShape(a.resources));
  return a.resources;
}

/**
 * `plainBad` throws an InputPropertiesError at construction with one problem at `path`; `outputBad` (the same value
 * as an Output resolved later) constructs, and the deployment fails with the same message inside apply.
 */
export async function expectSameFailureInApply(path: string, plainBad: () => unknown, outputBad: () => unknown): Promise<void> {
  let plainError: pulumi.InputPropertiesError | undefined;
  try {
    plainBad();
  } catch (e) {
    plainError = e as pulumi.InputPropertiesError;
  }
  expect(pulumi.InputPropertiesError.isInstance(plainError), "the plain value fails at construction").toBe(true);
  expect(plainError!.errors.map((e) => e.propertyPath)).toEqual([path]);
  const failures = await failuresOf(outputBad);
  expect(failures.length, "the Output fails the deployment").toBeGreaterThan(0);
  for (const f of failures) expect(f).toContain(plainError!.message);
}

/**
 * What fails the deployment of `program` under mocks: the run's rejection and the registrations' unhandled
 * rejections, collected until none arrives for 300 ms (at most 5 s). A run whose registrations wait on a failed
 * resource never settles under mocks (a real engine stops at the first error), so the run is not awaited to its end.
 */
export function failuresOf(program: () => unknown): Promise<string[]> {
  return collectFailures(
    async (failures) => {
      void runWithMocks(() => {
        program();
      }).catch((e: unknown) => failures.push(errorText(e)));
    },
    5000,
    true,
  );
}
