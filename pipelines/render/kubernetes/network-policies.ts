import type { MonitoringContract } from "../../../core/contracts/monitoring";
import { pipelineLabels, SERVING_PORT, type Ctx } from "./context";
import { type K8sObject } from "../../../core/kubernetes";

/** NetworkPolicies of the pipeline's namespace: default deny, DNS, the egress the stages need, the training mesh, serving. Pure: no Pulumi. */

/** Namespaces whose pods scrape the serving metrics (the monitoring contract's scrapers, else its namespace). */
function scrapers(m: MonitoringContract | undefined): string[] {
  if (!m) return [];
  return m.scraperNamespaces ?? (m.namespace ? [m.namespace] : []);
}

function portOf(url: string): number {
  const m = /^\w+:\/\/[^/:]+:(\d+)/.exec(url);
  return m ? Number(m[1]) : url.startsWith("https:") ? 443 : 80;
}

/** Default-deny for the pipeline's pods plus the egress/ingress the stages need. */
export function renderNetworkPolicies(c: Ctx): K8sObject[] {
  const { spec, input } = c;
  const sel = { matchLabels: { "finetune.dev/pipeline": spec.name } };
  const meta = (suffix: string) => ({ name: `${spec.name}-${suffix}`, namespace: input.namespace, labels: pipelineLabels(spec) });
  const api = input.apiServer ?? { cidrs: ["0.0.0.0/0"], ports: [443, 6443] };
  const hub = input.hubCidrs ?? ["0.0.0.0/0"];
  const tcp = (port: number) => ({ protocol: "TCP", port });
  const egress: object[] = [
    { to: api.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: api.ports.map(tcp) },
    { to: hub.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(443)] },
  ];
  const e = input.store.egress;
  if (e.ports.length) {
    const cidrs = e.cidrs.length ? e.cidrs : ["0.0.0.0/0"];
    egress.push({ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: e.ports.map(tcp) });
    // An in-cluster store (`<service>.<namespace>.svc` host) also by namespace: ipBlocks do not match pod IPs on every CNI (Cilium).
    const storeNs = [...new Set(e.hosts.map((h) => /^[^.]+\.([^.]+)\.svc(\.|$)/.exec(h)?.[1]).filter((n): n is string => !!n))];
    if (storeNs.length)
      egress.push({ to: storeNs.map((ns) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } })), ports: e.ports.map(tcp) });
  }
  const m = input.monitoring;
  if (m?.pushgatewayUrl) {
    egress.push({
      to: [m.namespace ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": m.namespace } } } : { ipBlock: { cidr: "0.0.0.0/0" } }],
      ports: [tcp(portOf(m.pushgatewayUrl))],
    });
  }
  const policies: K8sObject[] = [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("default-deny"),
      spec: { podSelector: sel, policyTypes: ["Ingress", "Egress"] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("allow-dns"),
      spec: {
        podSelector: sel,
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
            ],
            ports: [{ protocol: "UDP", port: 53 }, tcp(53)],
          },
        ],
      },
    },
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("allow-egress"), spec: { podSelector: sel, policyTypes: ["Egress"], egress } },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("allow-training-mesh"),
      spec: {
        podSelector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "training" } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ podSelector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "training" } } }] }],
        egress: [{ to: [{ podSelector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "training" } } }] }],
      },
    },
  ];
  if (spec.deployment.enabled) {
    const clients: object[] = [
      { podSelector: sel },
      ...(input.servingClientNamespaces ?? []).map((ns) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } })),
    ];
    policies.push(
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta("allow-serving"),
        spec: {
          podSelector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "serving" } },
          policyTypes: ["Ingress"],
          ingress: [
            { from: clients, ports: [tcp(SERVING_PORT)] },
            // Prometheus scrapes /metrics on the same port (the PodMonitor selects SERVING_POD_LABELS, port SERVING_METRICS_PORT).
            ...scrapers(m).map((ns) => ({ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } }], ports: [tcp(SERVING_PORT)] })),
          ],
        },
      },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta("allow-to-serving"),
        spec: {
          podSelector: sel,
          policyTypes: ["Egress"],
          egress: [
            { to: [{ podSelector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "serving" } } }], ports: [tcp(SERVING_PORT)] },
          ],
        },
      },
    );
  }
  return policies;
}
