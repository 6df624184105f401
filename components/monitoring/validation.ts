import type { Problem } from "../../core/problem";

import { AlertThresholds, thresholdProblems } from "./thresholds";
import { DNS_LABEL } from "../../core/kubernetes";

/** Threshold problems as argument problems under `thresholds.<key>`. */
export function thresholdArgProblems(t: Partial<AlertThresholds> | undefined): Problem[] {
  return thresholdProblems(t ?? {}).map((p) => ({ path: `thresholds.${p.key}`, message: p.reason }));
}

/** Problems of a Kubernetes namespace name. */
export function namespaceProblem(path: string, ns: string | undefined): Problem[] {
  if (ns === undefined) return [];
  return DNS_LABEL.test(ns) && ns.length <= 63
    ? []
    : [{ path: path, message: `"${ns}" is not a DNS-1123 label (use at most 63 lowercase letters, digits and '-')` }];
}

/** Resource options of a stateful child: parent, protect and retainOnDelete (both true unless the caller says otherwise). */
