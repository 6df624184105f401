import { MANAGED_BY, restrictedContainerSecurity, restrictedPodSecurity } from "../../core/kubernetes";
/**
 * Pure Helm values for the pipeline platform: Argo Workflows and JobSet with Pod Security Standards `restricted`
 * security contexts for every pod they run (controllers and Argo's executor containers in workflow pods).
 */

const RESTRICTED_POD = restrictedPodSecurity();
const RESTRICTED_CONTAINER = restrictedContainerSecurity();

export interface ArgoValuesInput {
  /** Namespaces the pipelines run in. One: the controller watches only it (namespaced mode); several: cluster-wide. */
  workflowNamespaces: string[];
  /** Run the Argo server (UI/API). */
  server: boolean;
  /** Helm release name (names the controller's ServiceAccount). @default "argo-workflows" */
  release?: string;
  /** Namespace the controller runs in (the release namespace). @default "finetune-system" */
  namespace?: string;
}

/**
 * Requests of the workflow controller: argo-helm's own example for its deployments (values.yaml of
 * argo-workflows 1.0.18, `server.resources` comment: requests cpu 100m, memory 128Mi).
 */
export const ARGO_CONTROLLER_REQUESTS = { cpu: "100m", memory: "128Mi" } as const;
/** Requests of the chart's CRD install Job (one `kubectl apply` of the CRDs; same small size as the kit's other hook Jobs). */
export const ARGO_CRD_JOB_REQUESTS = { cpu: "50m", memory: "128Mi" } as const;

/**
 * What the workflow controller does in the namespace it manages: argo-workflows 1.0.18
 * `templates/controller/workflow-controller-cluster-roles.yaml` (the rules the chart grants it cluster-wide),
 * less what a namespaced controller never uses there (namespaces, leases: leader election and its ConfigMap
 * live in the controller's own namespace, where the chart's Role grants them).
 */
export const ARGO_CONTROLLER_NAMESPACE_RULES = [
  { apiGroups: [""], resources: ["pods"], verbs: ["create", "get", "list", "watch", "update", "patch", "delete"] },
  { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] },
  { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "watch", "list"] },
  { apiGroups: [""], resources: ["persistentvolumeclaims", "persistentvolumeclaims/finalizers"], verbs: ["create", "update", "delete", "get"] },
  {
    apiGroups: ["argoproj.io"],
    resources: ["workflows", "workflows/finalizers", "workflowtasksets", "workflowtasksets/finalizers", "workflowtasksets/status", "workflowartifactgctasks"],
    verbs: ["get", "list", "watch", "update", "patch", "delete", "create"],
  },
  { apiGroups: ["argoproj.io"], resources: ["workflowtemplates", "workflowtemplates/finalizers"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["argoproj.io"], resources: ["workflowtaskresults", "workflowtaskresults/finalizers"], verbs: ["list", "watch", "deletecollection"] },
  { apiGroups: ["argoproj.io"], resources: ["cronworkflows", "cronworkflows/finalizers"], verbs: ["get", "list", "watch", "update", "patch", "delete"] },
  { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
  { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["get", "list"] },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["create", "get", "delete"] },
] as const;

/** Name of the controller's ServiceAccount, Role and RoleBinding (the chart's `<release>-workflow-controller`). */
export function argoControllerName(release: string): string {
  return `${release}-workflow-controller`;
}

/**
 * The Role and RoleBinding that let a namespaced controller (in `controllerNamespace`) run workflows in
 * `managedNamespace` (rendered by the chart through `extraObjects`).
 */
export function argoManagedNamespaceRbac(release: string, controllerNamespace: string, managedNamespace: string): Record<string, unknown>[] {
  const name = argoControllerName(release);
  const metadata = { name, namespace: managedNamespace, labels: { ...MANAGED_BY } };
  return [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata,
      rules: ARGO_CONTROLLER_NAMESPACE_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace: controllerNamespace }],
    },
  ];
}

/** Values of the `argo-workflows` chart. */
export function argoWorkflowsValues(i: ArgoValuesInput): Record<string, unknown> {
  const release = i.release ?? "argo-workflows";
  const namespace = i.namespace ?? "finetune-system";
  // One pipeline namespace: the controller runs namespaced (`--namespaced`, its RBAC a Role in its own
  // namespace) and watches only that namespace (`--managed-namespace`), where a Role grants it what it needs.
  // Argo's controller manages one namespace at most; with several, it stays cluster-wide (README, "Argo's reach").
  const managed = i.workflowNamespaces.length === 1 ? i.workflowNamespaces[0] : undefined;
  return {
    // `crds.keep` is not listed: 1.0.18 installs the CRDs with a Job and reads no `keep` (see README, chart checks).
    crds: { install: true, upgradeJob: { resources: { requests: { ...ARGO_CRD_JOB_REQUESTS } } } },
    singleNamespace: managed !== undefined,
    // In its own namespace the chart's Role already covers it (a second Role of the same name would clash).
    ...(managed !== undefined && managed !== namespace ? { extraObjects: argoManagedNamespaceRbac(release, namespace, managed) } : {}),
    createAggregateRoles: false,
    controller: {
      ...(managed !== undefined ? { extraArgs: ["--managed-namespace", managed] } : {}),
      // The kit renders no ClusterWorkflowTemplates: no cluster-wide read of them.
      clusterWorkflowTemplates: { enabled: false },
      podSecurityContext: { ...RESTRICTED_POD },
      securityContext: { ...RESTRICTED_CONTAINER },
      resources: { requests: { ...ARGO_CONTROLLER_REQUESTS } },
      metricsConfig: { enabled: true },
      workflowDefaults: { spec: { podGC: { strategy: "OnPodSuccess" }, ttlStrategy: { secondsAfterCompletion: 7 * 24 * 3600 } } },
    },
    // Argo's init/wait containers in every workflow pod: restricted too, or the namespace's PSS admission rejects the pods.
    executor: { securityContext: { ...RESTRICTED_CONTAINER, runAsUser: 8737 } },
    mainContainer: {
      securityContext: restrictedContainerSecurity(false),
    },
    // The server's settings only when it runs (otherwise no template reads them).
    server: i.server
      ? { enabled: true, authModes: ["client"], podSecurityContext: { ...RESTRICTED_POD }, securityContext: { ...RESTRICTED_CONTAINER } }
      : { enabled: false },
    workflow: { serviceAccount: { create: false }, rbac: { create: false } },
  };
}

/** Values of the `jobset` chart. */
export function jobsetValues(): Record<string, unknown> {
  return {
    controller: {
      podSecurityContext: { ...RESTRICTED_POD },
      securityContext: { ...RESTRICTED_CONTAINER },
    },
    certManager: { enable: false },
    prometheus: { enable: false },
  };
}
