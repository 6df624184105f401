import type { RecordedResource } from "./mock-engine";

/** A Kubernetes object as `kubectl apply` takes it. */
export interface KubernetesManifest {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [field: string]: unknown;
}

/** True for recorded resources that are plain Kubernetes objects (not providers, Helm releases or components). */
export function isKubernetesObject(r: RecordedResource): boolean {
  return (
    r.custom &&
    r.type.startsWith("kubernetes:") &&
    !r.type.startsWith("kubernetes:helm.sh/") &&
    typeof r.inputs.apiVersion === "string" &&
    typeof r.inputs.kind === "string"
  );
}

/**
 * The Kubernetes objects a run created, as manifests: the inputs the provider would apply, with the
 * auto-generated `metadata.name` filled in from the mock's state where the program left it out.
 */
export function manifestsOf(resources: RecordedResource[]): KubernetesManifest[] {
  return resources.filter(isKubernetesObject).map((r) => {
    const m = JSON.parse(JSON.stringify(r.inputs)) as KubernetesManifest;
    m.metadata = m.metadata ?? {};
    const stateName = (r.state.metadata as { name?: string } | undefined)?.name;
    if (!m.metadata.name && stateName) m.metadata.name = stateName;
    return m;
  });
}
