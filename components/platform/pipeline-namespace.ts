import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { outputProblems } from "../validation";
import { throwIfProblems } from "../../core/problem";
import { KIT_LABELS, RESTRICTED_NAMESPACE_LABELS, DNS_LABEL } from "../../core/kubernetes";

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
  /** Namespace name (DNS-1123 label). */
  namespace: string;
}

/**
 * The namespace pipelines run in: PSS `restricted` (enforce, audit, warn) and a namespace-wide default-deny
 * NetworkPolicy for ingress and egress; each pipeline adds the narrow allowances its stages need.
 */
export class PipelineNamespace extends pulumi.ComponentResource {
  /** Namespace name. */
  readonly name: string;
  /** The namespace resource (depend on it before creating namespaced objects). */
  readonly namespace: k8s.core.v1.Namespace;

  constructor(name: string, args: PipelineNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = outputProblems(args);
    if (problems.length === 0 && (!DNS_LABEL.test(args.namespace) || args.namespace.length > 63)) {
      problems.push({ path: "namespace", message: `"${args.namespace}" is not a DNS-1123 label (use lowercase letters, digits and '-', at most 63)` });
    }
    throwIfProblems("PipelineNamespace", name, problems);
    super("finetune:pipeline:PipelineNamespace", name, {}, opts);
    const m = renderPipelineNamespace(args.namespace);
    this.name = args.namespace;
    this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, m.namespace as k8s.core.v1.NamespaceArgs, { parent: this });
    new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, m.defaultDeny as k8s.networking.v1.NetworkPolicyArgs, { parent: this, dependsOn: [this.namespace] });
    this.registerOutputs({ name: this.name });
  }
}
