/**
 * Google Cloud policies: GCS buckets private (public access prevention, uniform access), versioned and
 * encrypted with CMEK; Artifact Registry immutable tags; GKE nodes shielded, on the GKE metadata server and
 * running as a dedicated service account.
 */
import { Level, PolicyGroup, resourcePolicy, type CheckedResource, type KitPolicy } from "../kit-policy";
import { GKE_CLUSTER, GKE_NODE_POOL } from "../lib/pools";
import { isUnknown, rec, str, type JsonObject } from "../lib/values";

export const GCS_BUCKET = "gcp:storage/bucket:Bucket";
export const GCP_AR_REPOSITORY = "gcp:artifactregistry/repository:Repository";

function bucketLabel(r: CheckedResource): string {
  return `GCS bucket "${str(r.props.name) ?? r.name}"`;
}

const gcsPublicAccessPrevention = resourcePolicy({
  name: "gcs-public-access-prevention",
  description: "GCS buckets enforce public access prevention.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Gcp,
  remediation: "Set publicAccessPrevention: enforced on the bucket.",
  appliesTo: [GCS_BUCKET],
  check(r, report) {
    const v = r.props.publicAccessPrevention;
    if (v !== "enforced" && !isUnknown(v))
      report(`${bucketLabel(r)} can be made public (publicAccessPrevention is ${String(v ?? "inherited")}) (set publicAccessPrevention: enforced)`);
  },
});

const gcsUniformAccess = resourcePolicy({
  name: "gcs-uniform-access",
  description: "GCS buckets use uniform bucket-level access (IAM only, no object ACLs).",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Gcp,
  remediation: "Set uniformBucketLevelAccess: true on the bucket.",
  appliesTo: [GCS_BUCKET],
  check(r, report) {
    const v = r.props.uniformBucketLevelAccess;
    if (v !== true && !isUnknown(v)) report(`${bucketLabel(r)} allows per-object ACLs (set uniformBucketLevelAccess: true)`);
  },
});

const gcsVersioning = resourcePolicy({
  name: "gcs-versioning",
  description: "GCS buckets keep object versions.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Gcp,
  remediation: "Set versioning: {enabled: true} on the bucket (keep soft delete on).",
  appliesTo: [GCS_BUCKET],
  check(r, report) {
    const v = rec(r.props.versioning).enabled;
    if (v !== true && !isUnknown(v)) report(`${bucketLabel(r)} is not versioned, so an overwrite or delete loses data (set versioning: {enabled: true})`);
  },
});

const gcsCmek = resourcePolicy({
  name: "gcs-cmek",
  description: "GCS buckets encrypt with a customer-managed Cloud KMS key.",
  enforcementLevel: Level.Advisory,
  group: PolicyGroup.Gcp,
  remediation: "Set encryption.defaultKmsKeyName to a Cloud KMS key the GCS service agent may use.",
  appliesTo: [GCS_BUCKET],
  check(r, report) {
    const k = rec(r.props.encryption).defaultKmsKeyName;
    if (!isUnknown(k) && !str(k)) report(`${bucketLabel(r)} uses Google-managed encryption (set encryption.defaultKmsKeyName to a Cloud KMS key)`);
  },
});

const artifactRegistryImmutable = resourcePolicy({
  name: "artifact-registry-immutable-tags",
  description: "Docker repositories in Artifact Registry have immutable tags.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Gcp,
  remediation: "Set dockerConfig: {immutableTags: true} on the DOCKER repository.",
  appliesTo: [GCP_AR_REPOSITORY],
  check(r, report) {
    if ((str(r.props.format) ?? "").toUpperCase() !== "DOCKER") return;
    const v = rec(r.props.dockerConfig).immutableTags;
    if (v !== true && !isUnknown(v))
      report(`Artifact Registry repository "${str(r.props.repositoryId) ?? r.name}" has mutable tags (set dockerConfig: {immutableTags: true})`);
  },
});

/** Node configs a GKE resource creates nodes with: a node pool's, or a cluster's default pool's. */
function nodeConfigOf(r: CheckedResource): { config: JsonObject; path: string; label: string } | undefined {
  if (r.type === GKE_NODE_POOL) return { config: rec(r.props.nodeConfig), path: "nodeConfig", label: `GKE node pool "${str(r.props.name) ?? r.name}"` };
  if (r.type === GKE_CLUSTER) {
    if (r.props.enableAutopilot === true || r.props.removeDefaultNodePool === true) return undefined;
    return { config: rec(r.props.nodeConfig), path: "nodeConfig", label: `GKE cluster "${str(r.props.name) ?? r.name}" default node pool` };
  }
  return undefined;
}

const GKE_TYPES = [GKE_NODE_POOL, GKE_CLUSTER];

const gkeShieldedNodes = resourcePolicy({
  name: "gke-node-pool-shielded",
  description: "GKE nodes are Shielded VMs with secure boot and integrity monitoring.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Gcp,
  remediation: "Set nodeConfig.shieldedInstanceConfig {enableSecureBoot: true, enableIntegrityMonitoring: true}.",
  appliesTo: GKE_TYPES,
  check(r, report) {
    const nc = nodeConfigOf(r);
    if (!nc) return;
    const s = rec(nc.config.shieldedInstanceConfig);
    const fixes: string[] = [];
    if (s.enableSecureBoot !== true && !isUnknown(s.enableSecureBoot)) fixes.push("enableSecureBoot: true");
    if (s.enableIntegrityMonitoring === false) fixes.push("enableIntegrityMonitoring: true");
    if (fixes.length) report(`${nc.label} nodes are not fully shielded (set ${nc.path}.shieldedInstanceConfig {${fixes.join(", ")}})`);
  },
});

const gkeMetadataServer = resourcePolicy({
  name: "gke-workload-identity-metadata",
  description:
    "GKE nodes expose the GKE metadata server (workloadMetadataConfig.mode GKE_METADATA) so pods use Workload Identity, never the node's credentials.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Gcp,
  remediation: "Set nodeConfig.workloadMetadataConfig.mode: GKE_METADATA (and enable Workload Identity on the cluster).",
  appliesTo: GKE_TYPES,
  check(r, report) {
    const nc = nodeConfigOf(r);
    if (!nc) return;
    const mode = rec(nc.config.workloadMetadataConfig).mode;
    if (mode !== "GKE_METADATA" && !isUnknown(mode))
      report(
        `${nc.label} lets pods reach the node's metadata credentials (mode ${String(mode ?? "unset")}) (set ${nc.path}.workloadMetadataConfig.mode: GKE_METADATA)`,
      );
  },
});

const gkeNodeServiceAccount = resourcePolicy({
  name: "gke-node-service-account",
  description: "GKE nodes run as a dedicated least-privilege service account, not the Compute Engine default.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Gcp,
  remediation: "Create a node service account with roles/container.defaultNodeServiceAccount and set nodeConfig.serviceAccount to its email.",
  appliesTo: GKE_TYPES,
  check(r, report) {
    const nc = nodeConfigOf(r);
    if (!nc) return;
    const sa = nc.config.serviceAccount;
    if (isUnknown(sa)) return;
    const email = str(sa);
    if (!email || email === "default" || email.endsWith("-compute@developer.gserviceaccount.com")) {
      report(`${nc.label} runs as the Compute Engine default service account (set ${nc.path}.serviceAccount to a dedicated node service account's email)`);
    }
  },
});

export const gcpPolicies: KitPolicy[] = [
  gcsPublicAccessPrevention,
  gcsUniformAccess,
  gcsVersioning,
  gcsCmek,
  artifactRegistryImmutable,
  gkeShieldedNodes,
  gkeMetadataServer,
  gkeNodeServiceAccount,
];
