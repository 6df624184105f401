import type * as pulumi from "@pulumi/pulumi";

/**
 * A workload identity for the pipeline's ServiceAccount (e.g. `EksPipelineIdentity.identity`): the annotations
 * the ServiceAccount needs (IRSA: `eks.amazonaws.com/role-arn`; EKS Pod Identity: none, the association binds
 * it), merged over the store contract's own.
 */
export interface ServiceAccountIdentity {
  /** The ServiceAccount the identity is bound to; must be the pipeline's (`objectNames(spec).serviceAccount`). */
  serviceAccountName: string;
  /** Namespace the identity is bound in; must be the pipeline's. */
  namespace: pulumi.Input<string>;
  /** Annotations the ServiceAccount needs. */
  serviceAccountAnnotations: pulumi.Input<Record<string, pulumi.Input<string>>>;
}
