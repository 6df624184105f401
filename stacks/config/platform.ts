import { z } from "zod";

/** An IPv4 CIDR block. */
const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/([0-9]|[12]\d|3[0-2])$/;

/** `finetune:kubernetes` — the existing cluster the kubernetes stack deploys into. */
export const KubernetesTargetSchema = z.strictObject({
  /** kubeconfig context to use (no ambient default: the stack never guesses a cluster). */
  context: z.string().min(1),
  /** Path to a kubeconfig file. @default - `$KUBECONFIG` or `~/.kube/config` */
  kubeconfigPath: z.string().min(1).optional(),
  /** Namespace the pipelines run in. @default "finetune" */
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label (lowercase letters, digits, '-')").max(63).default("finetune"),
});

/** `finetune:gcp` — project, region and the GKE cluster. */
export const GcpTargetSchema = z.strictObject({
  /** GCP project id. */
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "must be a GCP project id (6-30 lowercase letters, digits, '-')"),
  /** Region for the cluster and buckets, e.g. `us-central1`. */
  region: z.string().regex(/^[a-z]+-[a-z]+[0-9]+$/, "must be a GCP region such as us-central1"),
  /** Zones for GPU node pools. @default - the region's zones chosen by GKE */
  zones: z.array(z.string()).optional(),
  /** The GKE cluster. */
  cluster: z
    .strictObject({
      /** Cluster name. @default "finetune" */
      name: z.string().default("finetune"),
      /** Create the cluster (true) or use an existing one by name (false). @default true */
      create: z.boolean().default(true),
      /** GKE release channel. @default "REGULAR" */
      releaseChannel: z.enum(["RAPID", "REGULAR", "STABLE"]).default("REGULAR"),
      /** Primary subnet CIDR of the VPC the stack creates (nodes; pods and services use 10.48.0.0/14 and 10.52.0.0/20). @default "10.40.0.0/20" */
      subnetCidr: z.string().regex(IPV4_CIDR, "must be an IPv4 CIDR such as 10.40.0.0/20").default("10.40.0.0/20"),
      /** CIDR of the private control plane endpoint: a /28 that overlaps nothing else. @default "172.16.0.32/28" */
      masterCidr: z.string().regex(/^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/28$/, "must be an IPv4 /28 CIDR such as 172.16.0.32/28 (GKE requires a /28)").default("172.16.0.32/28"),
    })
    .prefault({}),
  /** Namespace the pipelines run in. @default "finetune" */
  namespace: z.string().default("finetune"),
});

/** `finetune:aws` — region and network for the SageMaker stack. */
export const AwsTargetSchema = z
  .strictObject({
  /** AWS region, e.g. `us-east-1`. */
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, "must be an AWS region such as us-east-1"),
  /** CIDR of the VPC the stack creates (/16 to /20; one /20 private subnet per availability zone). @default "10.80.0.0/16" */
  vpcCidr: z
    .string()
    .regex(/^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(1[6-9]|20)$/, "must be an IPv4 CIDR from /16 to /20, e.g. 10.80.0.0/16")
    .default("10.80.0.0/16"),
  /** Number of availability zones for private subnets. @default 2 */
  availabilityZones: z.number().int().min(2).max(6).default(2),
  /** Tags added to every AWS resource. @default {} */
  tags: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((a, ctx) => {
    const bits = Number(a.vpcCidr.split("/")[1]);
    if (Number.isInteger(bits) && 2 ** (20 - bits) < a.availabilityZones) {
      ctx.addIssue({
        code: "custom",
        path: ["vpcCidr"],
        message: `${a.vpcCidr} holds ${2 ** (20 - bits)} /20 subnet(s), fewer than availabilityZones ${a.availabilityZones} (use a larger CIDR, e.g. a /16, or fewer zones)`,
      });
    }
  });

export type KubernetesTarget = z.infer<typeof KubernetesTargetSchema>;
export type GcpTarget = z.infer<typeof GcpTargetSchema>;
export type AwsTarget = z.infer<typeof AwsTargetSchema>;
