import { z } from "zod";
import { DNS_LABEL } from "../../core/kubernetes";

/** An IPv4 CIDR block. */
const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/([0-9]|[12]\d|3[0-2])$/;

/** Size of a model cache in GiB (bare Kubernetes: the ReadWriteMany claim; bucket-backed caches: nominal). */
const CACHE_SIZE_GIB = z.number().int().min(1).max(65536);

/** `finetune:kubernetes.modelCache` — one copy of each base model per cluster on a ReadWriteMany claim (components/model-cache). */
export const KubernetesModelCacheSchema = z.strictObject({
  /**
   * StorageClass that offers ReadWriteMany (NFS, CephFS, Longhorn RWX, …). The cache is on when one is named; without
   * one every training, evaluation and serving pod downloads the base model into its own `emptyDir`.
   * @default - none: the model cache is off
   */
  storageClassName: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "is not a StorageClass name (use a DNS-1123 subdomain: kubectl get storageclass)")
    .optional(),
  /** Size of the claim in GiB (every base-model revision the pipelines use, side by side). @default 500 */
  sizeGiB: CACHE_SIZE_GIB.default(500),
});

/** `finetune:gcp.modelCache` — the artifact bucket's `models/` prefix through the GKE Cloud Storage FUSE CSI driver. */
export const GcpModelCacheSchema = z.strictObject({
  /** Mount the cache in the pipeline pods. @default true */
  enabled: z.boolean().default(true),
  /** GCS FUSE file cache per pod in MiB (`file-cache:max-size-mb`; -1: the whole sidecar cache volume). @default -1 */
  fileCacheMiB: z
    .number()
    .int()
    .min(-1)
    .refine((v) => v !== 0, "is 0, which turns the file cache off (use -1 for the whole cache volume, or a size in MiB)")
    .default(-1),
});

/** `finetune:kubernetes` — the existing cluster the kubernetes stack deploys into. */
export const KubernetesTargetSchema = z.strictObject({
  /** kubeconfig context to use (no ambient default: the stack never guesses a cluster). */
  context: z.string().min(1),
  /** Path to a kubeconfig file. @default - `$KUBECONFIG` or `~/.kube/config` */
  kubeconfigPath: z.string().min(1).optional(),
  /** Namespace the pipelines run in. @default "finetune" */
  namespace: z.string().regex(DNS_LABEL, "must be a DNS-1123 label (lowercase letters, digits, '-')").max(63).default("finetune"),
  /** Model cache (one base-model copy per cluster). @default {} — off until `storageClassName` names a ReadWriteMany class */
  modelCache: KubernetesModelCacheSchema.prefault({}),
});

/** Pod and service secondary ranges of the VPC subnet the gcp stack creates (stacks/infra/gke-cluster.ts). */
export const GKE_POD_CIDR = "10.48.0.0/14";
export const GKE_SERVICE_CIDR = "10.52.0.0/20";

/** `[first, last]` address of an IPv4 CIDR as unsigned 32-bit numbers. */
export function cidrRange(cidr: string): [number, number] {
  const [ip, bits] = cidr.split("/");
  const base = ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const first = base - (base % size);
  return [first, first + size - 1];
}

/** Whether two IPv4 CIDRs share an address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const [a0, a1] = cidrRange(a);
  const [b0, b1] = cidrRange(b);
  return a0 <= b1 && b0 <= a1;
}

/** GKE cluster names: 1-40 lowercase letters, digits or '-', starting with a letter, not ending with '-' (GKE API `clusters.create`). */
const GKE_CLUSTER_NAME = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;
const GCP_REGION = /^[a-z]+-[a-z]+[0-9]+$/;
const GCP_ZONE = /^([a-z]+-[a-z]+[0-9]+)-[a-z]$/;

/** `finetune:gcp` — project, region and the GKE cluster. */
export const GcpTargetSchema = z
  .strictObject({
    /** GCP project id. */
    project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "must be a GCP project id (6-30 lowercase letters, digits, '-')"),
    /** Region for the cluster and buckets, e.g. `us-central1` (a region, not a zone such as `us-central1-a`). */
    region: z.string().superRefine((r, ctx) => {
      if (GCP_REGION.test(r)) return;
      const zone = GCP_ZONE.exec(r);
      ctx.addIssue({
        code: "custom",
        message: zone
          ? `"${r}" is a zone, not a region (use its region "${zone[1]}"; list zones in finetune:gcp.zones)`
          : `"${r}" is not a GCP region (use a region such as us-central1: gcloud compute regions list)`,
      });
    }),
    /** Zones for GPU node pools, all in `region`. @default - the region's zones chosen by GKE */
    zones: z.array(z.string()).optional(),
    /** The GKE cluster. */
    cluster: z
      .strictObject({
        /** Cluster name (1-40 lowercase letters, digits or '-', starting with a letter). @default "finetune" */
        name: z
          .string()
          .regex(GKE_CLUSTER_NAME, "is not a GKE cluster name (use 1-40 lowercase letters, digits or '-', starting with a letter and not ending with '-')")
          .default("finetune"),
        /** Create the cluster (true) or use an existing one by name (false). @default true */
        create: z.boolean().default(true),
        /** GKE release channel. @default "REGULAR" */
        releaseChannel: z.enum(["RAPID", "REGULAR", "STABLE"]).default("REGULAR"),
        /** Primary subnet CIDR of the VPC the stack creates (nodes; pods and services use 10.48.0.0/14 and 10.52.0.0/20). @default "10.40.0.0/20" */
        subnetCidr: z.string().regex(IPV4_CIDR, "must be an IPv4 CIDR such as 10.40.0.0/20 (fix the address or prefix length)").default("10.40.0.0/20"),
        /** CIDR of the private control plane endpoint: a /28 that overlaps nothing else. @default "172.16.0.32/28" */
        masterCidr: z
          .string()
          .regex(/^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/28$/, "must be an IPv4 /28 CIDR such as 172.16.0.32/28 (GKE requires a /28)")
          .default("172.16.0.32/28"),
      })
      .prefault({}),
    /** Namespace the pipelines run in. @default "finetune" */
    namespace: z
      .string()
      .max(63)
      .regex(DNS_LABEL, "is not a Kubernetes namespace name (use a DNS-1123 label: lowercase letters, digits and '-', e.g. fine-tune)")
      .default("finetune"),
    /** Model cache over the artifact bucket (GCS FUSE). @default { enabled: true, fileCacheMiB: -1 } */
    modelCache: GcpModelCacheSchema.prefault({}),
  })
  .superRefine((g, ctx) => {
    g.zones?.forEach((z, i) => {
      const zone = GCP_ZONE.exec(z);
      if (!zone)
        ctx.addIssue({
          code: "custom",
          path: ["zones", i],
          message: `"${z}" is not a GCP zone (use a zone of ${g.region} such as ${g.region}-a: gcloud compute zones list --filter=region:${g.region})`,
        });
      else if (zone[1] !== g.region)
        ctx.addIssue({
          code: "custom",
          path: ["zones", i],
          message: `"${z}" is in region ${zone[1]}, not in finetune:gcp.region ${g.region} (use a zone of ${g.region} such as ${g.region}-a, or change the region)`,
        });
    });
    if (!g.cluster.create) return; // an existing cluster keeps its own network
    const subnet = { what: "the subnet", cidr: g.cluster.subnetCidr, path: ["cluster", "subnetCidr"] };
    const pods = { what: "the pod range", cidr: GKE_POD_CIDR, path: [] };
    const services = { what: "the service range", cidr: GKE_SERVICE_CIDR, path: [] };
    const master = { what: "the control plane", cidr: g.cluster.masterCidr, path: ["cluster", "masterCidr"] };
    // Each pair once, reported on its first (configurable) range.
    const pairs = [
      [subnet, pods],
      [subnet, services],
      [master, subnet],
      [master, pods],
      [master, services],
    ];
    for (const [mine, other] of pairs) {
      if (!cidrsOverlap(mine.cidr, other.cidr)) continue;
      const taken = [subnet, pods, services, master]
        .filter((r) => r !== mine)
        .map((r) => r.cidr)
        .join(", ");
      ctx.addIssue({
        code: "custom",
        path: mine.path,
        message: `${mine.cidr} overlaps ${other.what} ${other.cidr} (choose a range that overlaps none of ${taken})`,
      });
    }
  });

/** `finetune:aws` — region and network for the SageMaker stack. */
export const AwsTargetSchema = z
  .strictObject({
    /** AWS region, e.g. `us-east-1` (a region, not an availability zone such as `us-east-1a`). */
    region: z.string().superRefine((r, ctx) => {
      if (/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/.test(r)) return;
      const az = /^([a-z]{2}(-gov)?-[a-z]+-[0-9])[a-z]$/.exec(r);
      ctx.addIssue({
        code: "custom",
        message: az
          ? `"${r}" is an availability zone, not a region (use its region "${az[1]}"; the stack spreads subnets over aws.availabilityZones zones)`
          : `"${r}" is not an AWS region (use a region such as us-east-1: aws ec2 describe-regions)`,
      });
    }),
    /** CIDR of the VPC the stack creates (/16 to /20; one /20 private subnet per availability zone). @default "10.80.0.0/16" */
    vpcCidr: z
      .string()
      .regex(/^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(1[6-9]|20)$/, "must be an IPv4 CIDR from /16 to /20 (use e.g. 10.80.0.0/16)")
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
