import { statefulOptions, throwIfProblems, type ArgProblem, type DataProtection } from "../validation";

export { statefulOptions, throwIfProblems, type ArgProblem, type DataProtection };
import { AlertThresholds, thresholdProblems } from "./thresholds";


/** Threshold problems as argument problems under `thresholds.<key>`. */
export function thresholdArgProblems(t: Partial<AlertThresholds> | undefined): ArgProblem[] {
  return thresholdProblems(t ?? {}).map((p) => ({ propertyPath: `thresholds.${p.key}`, reason: p.reason }));
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Problems of a Kubernetes namespace name. */
export function namespaceProblem(path: string, ns: string | undefined): ArgProblem[] {
  if (ns === undefined) return [];
  return DNS1123_LABEL.test(ns) && ns.length <= 63 ? [] : [{ propertyPath: path, reason: `"${ns}" is not a DNS-1123 label (use at most 63 lowercase letters, digits and '-')` }];
}

/** Resource options of a stateful child: parent, protect and retainOnDelete (both true unless the caller says otherwise). */
