import * as pulumi from "@pulumi/pulumi";
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
 * Runs `program` under mocks and returns what fails the deployment: the rejections the child registrations
 * raise (each resource whose inputs derive from the failing apply fails). Vitest's own listeners are set aside
 * while it runs (and while `probe` inspects the failed Outputs), so that these expected rejections are asserted by the caller rather than reported as stray errors.
 */
export async function deploymentFailures(program: () => void, probe?: () => Promise<void>): Promise<string[]> {
  const saved = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const failures: string[] = [];
  process.on("unhandledRejection", (e) => failures.push(e instanceof Error ? e.message : String(e)));
  try {
    await runWithMocks(program).catch((e: unknown) => failures.push(e instanceof Error ? e.message : String(e)));
    if (probe) await probe();
    // Registrations fail asynchronously: wait until no new failure arrives for 300 ms (at most 3 s).
    for (let seen = -1, waited = 0; seen !== failures.length && waited < 3000; waited += 300) {
      seen = failures.length;
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    process.removeAllListeners("unhandledRejection");
    for (const l of saved) process.on("unhandledRejection", l);
  }
  return failures;
}
