import { pipelineLabels, type Ctx } from "./context";
import { pullSecrets } from "./pods";
import { type K8sObject } from "../../../core/kubernetes";

/** ServiceAccount, Role (JobSets, the serving Deployment, Argo task results) and RoleBinding. Pure: no Pulumi. */
export function renderAccess(c: Ctx): K8sObject[] {
  const { spec, input, names } = c;
  const rules: object[] = [
    // Argo 4.x resource templates: the action verb, and `get` to poll success/failure conditions (workflow/executor/resource.go).
    { apiGroups: ["jobset.x-k8s.io"], resources: ["jobsets"], verbs: ["create", "get"] },
    { apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] },
  ];
  if (spec.deployment.enabled) rules.push({ apiGroups: ["apps"], resources: ["deployments"], resourceNames: [names.serving], verbs: ["get", "patch"] });
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: names.serviceAccount,
        namespace: input.namespace,
        labels: pipelineLabels(spec),
        annotations: { ...input.store.serviceAccountAnnotations },
      },
      ...pullSecrets(input.store),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: names.role, namespace: input.namespace, labels: pipelineLabels(spec) },
      rules,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: names.role, namespace: input.namespace, labels: pipelineLabels(spec) },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: names.role },
      subjects: [{ kind: "ServiceAccount", name: names.serviceAccount, namespace: input.namespace }],
    },
  ];
}
