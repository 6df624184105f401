import * as pulumi from "@pulumi/pulumi";
import { expect } from "vitest";
import { runWithMocks } from "../harness";

/** The value an Output settles to, or its rejection (what fails the deployment inside apply). */
export function settle<T>(o: pulumi.Output<T>): Promise<T> {
  return (o as unknown as { promise(): Promise<T> }).promise();
}

/** A known Output of `v`. */
export const known = <T>(v: T): pulumi.Output<T> => pulumi.output(v) as pulumi.Output<T>;
/** An Output whose value arrives later (not known at construction, as another resource's output). */
export const later = <T>(v: T): pulumi.Output<T> => pulumi.output(new Promise<T>((r) => setTimeout(() => r(v), 5))) as pulumi.Output<T>;

/**
 * Collects what fails a deployment: the rejections `start` pushes and the unhandled rejections raised while it
 * runs (vitest's own listeners set aside, so these expected rejections are asserted by the caller rather than
 * reported as stray errors), until none arrives for 300 ms, at most `maxWaitMs`; with `untilAny`, also while none
 * has arrived yet.
 */
export async function collectFailures(start: (failures: string[]) => Promise<void>, maxWaitMs: number, untilAny = false): Promise<string[]> {
  const saved = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const failures: string[] = [];
  process.on("unhandledRejection", (e) => failures.push(errorText(e)));
  try {
    await start(failures);
    for (let seen = -1, waited = 0; (seen !== failures.length || (untilAny && failures.length === 0)) && waited < maxWaitMs; waited += 300) {
      seen = failures.length;
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    process.removeAllListeners("unhandledRejection");
    for (const l of saved) process.on("unhandledRejection", l);
  }
  return failures;
}

/** The message of a rejection. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Runs `program` under mocks and returns what fails the deployment: the rejections the child registrations
 * raise (each resource whose inputs derive from the failing apply fails), and those `probe` meets while it
 * inspects the failed Outputs.
 */
export function deploymentFailures(program: () => void, probe?: () => Promise<void>): Promise<string[]> {
  return collectFailures(async (failures) => {
    await runWithMocks(program).catch((e: unknown) => failures.push(errorText(e)));
    if (probe) await probe();
  }, 3000);
}

/**
 * A component built with `plainBad` arguments throws at construction with one problem at `path`; built with
 * `outputBad` (the same value as an Output that resolves later) it constructs, its `contractOutput` rejects with
 * the same InputPropertiesError, and every child registration that reads the value fails with the same text.
 */
export async function expectContractFailsLikePlain<C extends { contractOutput: pulumi.Output<unknown> }>(
  path: string,
  plainBad: () => C,
  outputBad: () => C,
): Promise<void> {
  let plainError: pulumi.InputPropertiesError | undefined;
  try {
    plainBad();
  } catch (e) {
    plainError = e as pulumi.InputPropertiesError;
  }
  expect(plainError?.errors.map((e) => e.propertyPath)).toEqual([path]);
  let c: C | undefined;
  let failure: unknown;
  const failures = await deploymentFailures(
    () => {
      c = outputBad();
    },
    async () => {
      failure = await settle(c!.contractOutput).then(
        () => undefined,
        (e: unknown) => e,
      );
    },
  );
  expect(pulumi.InputPropertiesError.isInstance(failure)).toBe(true);
  expect((failure as pulumi.InputPropertiesError).errors).toEqual(plainError?.errors);
  expect((failure as Error).message).toContain(plainError?.message);
  expect(failures.length).toBeGreaterThan(0);
  for (const f of failures) expect(f).toContain(plainError?.message);
}
