/** Helm releases (`kubernetes:helm.sh/v3:Release`) and charts (`kubernetes:helm.sh/v4:Chart`). */
import { rec, str, type JsonObject } from "./values";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
export const HELM_CHART_V4 = "kubernetes:helm.sh/v4:Chart";
export const HELM_TYPES: readonly string[] = [HELM_RELEASE, HELM_CHART_V4];

/** Chart name without repository or OCI prefix: `oci://public.ecr.aws/karpenter/karpenter` → `karpenter`. */
export function chartName(props: JsonObject): string {
  const chart = str(props.chart) ?? "";
  const last = chart.split("/").pop() ?? chart;
  return last.replace(/:.*$/, "");
}

export function releaseNamespace(props: JsonObject): string {
  return str(props.namespace) ?? "default";
}

export function releaseValues(props: JsonObject): JsonObject {
  return rec(props.values);
}

/** `Helm release "gpu-operator" (chart gpu-operator)`. */
export function describeRelease(name: string, props: JsonObject): string {
  return `Helm release "${str(props.name) ?? name}" (chart ${chartName(props) || "unknown"})`;
}
