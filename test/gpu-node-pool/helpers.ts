import * as pulumi from "@pulumi/pulumi";
import { expect } from "vitest";
import { runWithMocks } from "../harness";

/** Runs `construct` under mocks, catches the InputPropertiesError it throws (as the engine would report it), and returns it. */
export async function constructionError(construct: () => unknown): Promise<pulumi.InputPropertiesError> {
  let caught: unknown;
  await runWithMocks(() => {
    try {
      construct();
    } catch (e) {
      caught = e;
    }
  });
  expect(pulumi.InputPropertiesError.isInstance(caught), `expected an InputPropertiesError, got ${String(caught)}`).toBe(true);
  return caught as pulumi.InputPropertiesError;
}

/** The error's problems as `path: reason` lines. */
export function problemLines(e: pulumi.InputPropertiesError): string[] {
  return e.errors.map((x) => `${x.propertyPath}: ${x.reason}`);
}
