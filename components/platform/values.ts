/**
 * Pure Helm values for the pipeline platform: Argo Workflows and JobSet with Pod Security Standards `restricted`
 * security contexts for every pod they run (controllers and Argo's executor containers in workflow pods).
 */

export const RESTRICTED_POD = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } as const;
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  seccompProfile: { type: "RuntimeDefault" },
} as const;

export interface ArgoValuesInput {
  /** Namespaces the controller watches (the pipelines' namespaces). */
  workflowNamespaces: string[];
  /** Run the Argo server (UI/API). */
  server: boolean;
}

/** Values of the `argo-workflows` chart. */
export function argoWorkflowsValues(i: ArgoValuesInput): Record<string, unknown> {
  return {
    crds: { install: true, keep: true },
    singleNamespace: false,
    createAggregateRoles: false,
    controller: {
      workflowNamespaces: [...i.workflowNamespaces],
      podSecurityContext: { ...RESTRICTED_POD },
      securityContext: { ...RESTRICTED_CONTAINER },
      metricsConfig: { enabled: true },
      workflowDefaults: { spec: { podGC: { strategy: "OnPodSuccess" }, ttlStrategy: { secondsAfterCompletion: 7 * 24 * 3600 } } },
    },
    // Argo's init/wait containers in every workflow pod: restricted too, or the namespace's PSS admission rejects the pods.
    executor: { securityContext: { ...RESTRICTED_CONTAINER, runAsUser: 8737 } },
    mainContainer: { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } },
    server: {
      enabled: i.server,
      authModes: ["client"],
      podSecurityContext: { ...RESTRICTED_POD },
      securityContext: { ...RESTRICTED_CONTAINER },
    },
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
