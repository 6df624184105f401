import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { checkInputProblems, isKnown } from "../validation";
import { throwIfProblems, type Problem } from "../../core/problem";
import { KIT_LABELS, RESTRICTED_NAMESPACE_LABELS, DNS_LABEL } from "../../core/kubernetes";
import { componentToken, withLegacyAlias } from "../tokens";

/** The namespace and its namespace-wide default-deny NetworkPolicy, as plain manifests (pure). */
export function renderPipelineNamespace(namespace: string): { namespace: Record<string, unknown>; defaultDeny: Record<string, unknown> } {
  const labels = KIT_LABELS;
  return {
    namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { ...RESTRICTED_NAMESPACE_LABELS, ...labels } } },
    defaultDeny: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny-all", namespace, labels },
      // Every pod of the namespace: no traffic in or out unless a pipeline's own policies allow it.
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
  };
}

/** Arguments of {@link PipelineNamespace}. */
export interface PipelineNamespaceArgs {
  /** Namespace name (DNS-1123 label); checked now when known, when it resolves otherwise. */
  namespace: pulumi.Input<string>;
}

/** The arguments of {@link PipelineNamespace} typed `pulumi.Input`. */
export const PIPELINE_NAMESPACE_INPUT_ARGS = ["namespace"] as const satisfies readonly (keyof PipelineNamespaceArgs)[];

/** The arguments of {@link PipelineNamespace} that stay plain (none). */
export const PIPELINE_NAMESPACE_PLAIN_ARGS: Record<string, string> = {};

/** The namespace must be a DNS-1123 label. */
export function pipelineNamespaceProblems(namespace: string): Problem[] {
  return !DNS_LABEL.test(namespace) || namespace.length > 63
    ? [{ path: "namespace", message: `"${namespace}" is not a DNS-1123 label (use lowercase letters, digits and '-', at most 63)` }]
    : [];
}

/**
 * The namespace pipelines run in: PSS `restricted` (enforce, audit, warn) and a namespace-wide default-deny
 * NetworkPolicy for ingress and egress; each pipeline adds the narrow allowances its stages need.
 */
export class PipelineNamespace extends pulumi.ComponentResource {
  /** Namespace name (an output when the argument was one). */
  readonly name: pulumi.Input<string>;
  /** The namespace resource (depend on it before creating namespaced objects). */
  readonly namespace: k8s.core.v1.Namespace;

  constructor(name: string, args: PipelineNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    const checked = checkInputProblems("PipelineNamespace", name, args.namespace, pipelineNamespaceProblems);
    throwIfProblems("PipelineNamespace", name, checked.problems);
    super(componentToken("PipelineNamespace"), name, {}, withLegacyAlias("PipelineNamespace", opts));
    const known = isKnown(args.namespace);
    // Plain: rendered now; an output: rendered when it resolves (the child names do not depend on it).
    const m = known ? renderPipelineNamespace(args.namespace as string) : undefined;
    const later = known ? undefined : checked.output.apply(renderPipelineNamespace);
    this.name = known ? (args.namespace as string) : checked.output;
    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      (m ? m.namespace : { metadata: later!.apply((r) => r.namespace.metadata) }) as unknown as k8s.core.v1.NamespaceArgs,
      { parent: this },
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-default-deny`,
      (m
        ? m.defaultDeny
        : {
            metadata: later!.apply((r) => r.defaultDeny.metadata),
            spec: later!.apply((r) => r.defaultDeny.spec),
          }) as unknown as k8s.networking.v1.NetworkPolicyArgs,
      { parent: this, dependsOn: [this.namespace] },
    );
    this.registerOutputs({ name: this.name });
  }
}
