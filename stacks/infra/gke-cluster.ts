import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GKE_MANAGED_DCGM_MONITORING } from "../../components/cuda-driver-stack/gpu-operator";
import { GKE_POD_CIDR, GKE_SERVICE_CIDR } from "../config/platform";

/** The API GKE image streaming needs (GKE docs "Use Image streaming to pull container images", Requirements). */
export const GKE_IMAGE_STREAMING_API = "containerfilesystem.googleapis.com";

/** Arguments of {@link GkeCluster}. */
export interface GkeClusterArgs {
  /** GCP project id. */
  project: string;
  /** Region of the (regional) cluster and its VPC. */
  region: string;
  /** Cluster name. */
  clusterName: string;
  /** Create the cluster and its VPC (true) or look up an existing cluster by name (false). */
  create: boolean;
  /** GKE release channel. @default "REGULAR" */
  releaseChannel?: "RAPID" | "REGULAR" | "STABLE";
  /** Primary CIDR of the subnet the stack creates. @default "10.40.0.0/20" */
  subnetCidr?: string;
  /** CIDR of the private control plane endpoint. @default "172.16.0.32/28" */
  masterCidr?: string;
  /** Zones for node pools. @default - the region's zones */
  zones?: string[];
}

/**
 * The GKE Standard cluster of the gcp stack: a VPC with a private subnet (secondary ranges for pods and
 * services) and Cloud NAT, a regional cluster with private nodes, Workload Identity, Dataplane V2
 * (NetworkPolicy enforcement for the pipeline's default-deny policies), shielded nodes, Managed Prometheus,
 * deletion protection, a small non-GPU system pool and the Container File System API (image streaming of the GPU
 * pools); or an existing cluster looked up by name (enable `containerfilesystem.googleapis.com` there yourself).
 * Exposes a Kubernetes provider for everything that runs in the cluster.
 */
export class GkeCluster extends pulumi.ComponentResource {
  /** Cluster name. */
  readonly clusterName: string;
  /** `projects/<p>/locations/<region>/clusters/<name>`. */
  readonly clusterId: pulumi.Output<string>;
  /** Workload Identity pool (`<project>.svc.id.goog`). */
  readonly workloadPool: string;
  /** Network self link (for node pools and firewall rules). */
  readonly network?: pulumi.Output<string>;
  /** Kubernetes provider for the cluster. */
  readonly provider: k8s.Provider;
  /** Service account of the system node pool (grant it image pulls). */
  readonly systemNodeServiceAccount?: pulumi.Output<string>;

  constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("finetune:infra:GkeCluster", name, {}, opts);
    this.clusterName = args.clusterName;
    this.workloadPool = `${args.project}.svc.id.goog`;
    let endpoint: pulumi.Output<string>;
    let caCert: pulumi.Output<string>;

    if (args.create) {
      const network = new gcp.compute.Network(
        `${name}-vpc`,
        { project: args.project, name: `${args.clusterName}-vpc`, autoCreateSubnetworks: false, routingMode: "REGIONAL" },
        { parent: this },
      );
      const subnet = new gcp.compute.Subnetwork(
        `${name}-subnet`,
        {
          project: args.project,
          region: args.region,
          name: `${args.clusterName}-nodes`,
          network: network.id,
          ipCidrRange: args.subnetCidr ?? "10.40.0.0/20",
          privateIpGoogleAccess: true,
          secondaryIpRanges: [
            { rangeName: "pods", ipCidrRange: GKE_POD_CIDR },
            { rangeName: "services", ipCidrRange: GKE_SERVICE_CIDR },
          ],
          logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
        },
        { parent: this },
      );
      const router = new gcp.compute.Router(
        `${name}-router`,
        { project: args.project, region: args.region, name: `${args.clusterName}-router`, network: network.id },
        { parent: this },
      );
      new gcp.compute.RouterNat(
        `${name}-nat`,
        {
          project: args.project,
          region: args.region,
          name: `${args.clusterName}-nat`,
          router: router.name,
          natIpAllocateOption: "AUTO_ONLY",
          sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
          logConfig: { enable: true, filter: "ERRORS_ONLY" },
        },
        { parent: this },
      );
      const systemSa = new gcp.serviceaccount.Account(
        `${name}-system-nodes`,
        { project: args.project, accountId: `${args.clusterName}-sys`.slice(0, 30), displayName: `GKE system nodes of ${args.clusterName}` },
        { parent: this },
      );
      const roles = [
        "roles/logging.logWriter",
        "roles/monitoring.metricWriter",
        "roles/monitoring.viewer",
        "roles/stackdriver.resourceMetadata.writer",
        "roles/artifactregistry.reader",
      ];
      for (const role of roles) {
        new gcp.projects.IAMMember(
          `${name}-system-nodes-${role.split("/")[1].replace(/\./g, "-")}`,
          { project: args.project, role, member: systemSa.member },
          { parent: this },
        );
      }
      // Image streaming (on by default in the GPU pools) needs the Container File System API; never disabled on destroy
      // (other workloads of the project may stream images too).
      new gcp.projects.Service(
        `${name}-image-streaming-api`,
        { project: args.project, service: GKE_IMAGE_STREAMING_API, disableOnDestroy: false },
        { parent: this },
      );
      const cluster = new gcp.container.Cluster(
        `${name}-cluster`,
        {
          project: args.project,
          name: args.clusterName,
          location: args.region,
          nodeLocations: args.zones,
          network: network.id,
          subnetwork: subnet.id,
          removeDefaultNodePool: true,
          initialNodeCount: 1,
          deletionProtection: true,
          releaseChannel: { channel: args.releaseChannel ?? "REGULAR" },
          ipAllocationPolicy: { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" },
          privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false, masterIpv4CidrBlock: args.masterCidr ?? "172.16.0.32/28" },
          workloadIdentityConfig: { workloadPool: this.workloadPool },
          datapathProvider: "ADVANCED_DATAPATH",
          enableShieldedNodes: true,
          // Managed Prometheus + GKE's managed DCGM metrics (the driver stack's choice for GKE: no exporter to run).
          monitoringConfig: {
            enableComponents: [...GKE_MANAGED_DCGM_MONITORING.enableComponents],
            managedPrometheus: { ...GKE_MANAGED_DCGM_MONITORING.managedPrometheus },
          },
          loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
          addonsConfig: { gcsFuseCsiDriverConfig: { enabled: true } },
          // The default pool is removed right after creation; give it the hardened settings anyway.
          nodeConfig: {
            serviceAccount: systemSa.email,
            shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
            workloadMetadataConfig: { mode: "GKE_METADATA" },
          },
        },
        { parent: this, protect: true, ignoreChanges: ["nodeConfig", "initialNodeCount"] },
      );
      new gcp.container.NodePool(
        `${name}-system`,
        {
          project: args.project,
          location: args.region,
          cluster: cluster.name,
          name: "system",
          autoscaling: { minNodeCount: 1, maxNodeCount: 3 },
          initialNodeCount: 1,
          management: { autoRepair: true, autoUpgrade: true },
          nodeConfig: {
            machineType: "e2-standard-4",
            diskSizeGb: 100,
            diskType: "pd-balanced",
            serviceAccount: systemSa.email,
            oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
            shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
            workloadMetadataConfig: { mode: "GKE_METADATA" },
            labels: { "finetune.dev/pool": "system" },
          },
        },
        { parent: this },
      );
      this.network = network.id;
      this.systemNodeServiceAccount = systemSa.email;
      this.clusterId = cluster.id;
      endpoint = cluster.endpoint;
      caCert = cluster.masterAuth.clusterCaCertificate.apply((c) => c ?? "");
    } else {
      const existing = gcp.container.getClusterOutput({ project: args.project, location: args.region, name: args.clusterName }, { parent: this });
      this.clusterId = pulumi.interpolate`projects/${args.project}/locations/${args.region}/clusters/${args.clusterName}`;
      endpoint = existing.endpoint;
      caCert = existing.masterAuths.apply((m) => m[0]?.clusterCaCertificate ?? "");
    }

    const kubeconfig = pulumi.secret(pulumi.all([endpoint, caCert]).apply(([ep, ca]) => gkeKubeconfig(args.clusterName, ep, ca)));
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig, enableServerSideApply: true }, { parent: this });
    this.registerOutputs({ clusterName: this.clusterName, clusterId: this.clusterId, workloadPool: this.workloadPool });
  }
}

/** A kubeconfig that authenticates with `gke-gcloud-auth-plugin` (no static credentials in state). */
export function gkeKubeconfig(clusterName: string, endpoint: string, caCertificate: string): string {
  const ctx = `gke-${clusterName}`;
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: ctx, cluster: { server: `https://${endpoint}`, "certificate-authority-data": caCertificate } }],
    contexts: [{ name: ctx, context: { cluster: ctx, user: ctx } }],
    "current-context": ctx,
    users: [
      {
        name: ctx,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "gke-gcloud-auth-plugin",
            installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
            provideClusterInfo: true,
          },
        },
      },
    ],
  });
}
