import { policyListMarkdown } from "../policy/engine";
import { configReferenceMarkdown } from "./config-reference";

/** Generated README sections by marker name. */
export function generatedSections(): Record<string, string> {
  return {
    "config-reference": configReferenceMarkdown(),
    "policy-list": policyListMarkdown(),
  };
}
