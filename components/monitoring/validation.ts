import * as pulumi from "@pulumi/pulumi";
import { AlertThresholds, thresholdProblems } from "./thresholds";

/** One construction-time problem tied to the argument a caller set. */
export interface ArgProblem {
  propertyPath: string;
  reason: string;
}

/** Throws one `pulumi.InputPropertiesError` listing every problem (also in its message); returns when there are none. */
export function throwIfProblems(component: string, name: string, problems: ArgProblem[]): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) => `  ${p.propertyPath}: ${p.reason}`).join("\n");
  throw new pulumi.InputPropertiesError({
    message: `${component} "${name}" has invalid arguments (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines}`,
    errors: problems,
  });
}

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
export interface DataProtection {
  /** `protect` on stateful children (KMS key, log groups, namespace, Helm release holding the Prometheus PVC). @default true */
  protect?: boolean;
  /** `retainOnDelete` on stateful children. @default true */
  retainOnDelete?: boolean;
}

/** Options for a stateful child. */
export function statefulOptions(parent: pulumi.Resource, p: DataProtection, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
  return { ...extra, parent, protect: p.protect ?? true, retainOnDelete: p.retainOnDelete ?? true };
}
