/**
 * Helm values for MinIO's official chart (`minio` 5.4.0, keys checked against its values.yaml and templates,
 * 2026-11-29). Pure: plain objects in, plain objects out.
 *
 * What the values do: one standalone server on a PVC the component owns (`persistence.existingClaim`, so that
 * uninstalling the release never deletes data), root credentials from an existing Secret, pod and container
 * security contexts that meet Pod Security Standards *restricted* for the server and the chart's post-install
 * job, a versioned bucket, and one pipeline user whose policy covers only that bucket. The chart's default
 * `console` user, unauthenticated metrics, ingresses and console are all turned off.
 */
import type { ImagePin } from "../../core/versions";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../core/kubernetes";

/** Runs as this uid/gid (the chart's default non-root user). */
export const MINIO_UID = 1000;
/** S3 API port of the service. */
export const MINIO_API_PORT = 9000;
/** Console port of the service. */
export const MINIO_CONSOLE_PORT = 9001;

/** Actions of the pipeline user's policy: objects in the bucket (read, write, delete, multipart) and listing it. */
export const MINIO_PIPELINE_ACTIONS = {
  bucket: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
  objects: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
} as const;

/** Everything the values depend on. */
export interface MinioValuesInput {
  /** `fullnameOverride`: names the Deployment, Service (`<fullname>.<ns>.svc`) and ServiceAccount. */
  fullname: string;
  /** Bucket the chart's job creates (versioned). */
  bucket: string;
  /** Secret with keys `rootUser` and `rootPassword` (in the release namespace). */
  rootSecretName: string;
  /** PVC the server mounts. */
  pvcName: string;
  /** The pipeline's MinIO user. */
  pipelineUser: { accessKey: string; secretName: string; secretKey: string };
  /** Name of the pipeline user's policy. */
  policyName: string;
  image: ImagePin;
  mcImage: ImagePin;
  /** Secret with `tls.crt`/`tls.key` to serve HTTPS. @default - plain HTTP inside the cluster */
  tlsSecretName?: string;
  /** Serve the web console (port 9001, ClusterIP only). */
  console: boolean;
  /** Requests and limits of the server. */
  resources: { cpu: string; memory: string; memoryLimit: string };
}

/** The pod security context (restricted): non-root uid 1000, RuntimeDefault seccomp, fsGroup for the PVC. */
export function restrictedPodSecurityContext(): Record<string, unknown> {
  return { ...restrictedPodSecurity(MINIO_UID), fsGroupChangePolicy: "OnRootMismatch" };
}

/** The container security context (restricted): no privilege escalation, all capabilities dropped. */
export function restrictedContainerSecurityContext(readOnlyRootFilesystem: boolean): Record<string, unknown> {
  return { ...restrictedContainerSecurity(readOnlyRootFilesystem), readOnlyRootFilesystem };
}

function job(): Record<string, unknown> {
  return {
    securityContext: { enabled: true },
    // The job's writes go to its emptyDirs (/etc/minio/mc, /tmp): the root filesystem can be read-only.
    containerSecurityContext: restrictedContainerSecurityContext(true),
    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    exitCommand: "",
  };
}

/** The Helm values of the MinIO release. */
export function minioValues(i: MinioValuesInput): Record<string, unknown> {
  const bucketArn = `arn:aws:s3:::${i.bucket}`;
  return {
    fullnameOverride: i.fullname,
    mode: "standalone",
    // One server on one ReadWriteOnce volume: never run two at once (the chart's default surges a second pod).
    deploymentUpdate: { type: "Recreate" },
    image: { repository: i.image.repository, tag: i.image.tag, pullPolicy: "IfNotPresent" },
    mcImage: { repository: i.mcImage.repository, tag: i.mcImage.tag, pullPolicy: "IfNotPresent" },
    existingSecret: i.rootSecretName,
    persistence: { enabled: true, existingClaim: i.pvcName },
    // Pod-level context: the chart renders `omit .Values.securityContext "enabled"` (needs persistence.enabled).
    securityContext: { enabled: true, ...restrictedPodSecurityContext() },
    // MinIO creates its certs directory under /etc/minio at start, so its root filesystem stays writable.
    containerSecurityContext: restrictedContainerSecurityContext(false),
    postJob: { securityContext: { enabled: true, ...restrictedPodSecurityContext() } },
    makeBucketJob: job(),
    makeUserJob: job(),
    makePolicyJob: job(),
    // No service accounts and no custom commands: the chart runs neither Job, so their settings would be dead values.
    buckets: [{ name: i.bucket, policy: "none", purge: false, versioning: true, objectlocking: false }],
    policies: [
      {
        name: i.policyName,
        statements: [
          { effect: "Allow", resources: [bucketArn], actions: [...MINIO_PIPELINE_ACTIONS.bucket] },
          { effect: "Allow", resources: [`${bucketArn}/*`], actions: [...MINIO_PIPELINE_ACTIONS.objects] },
        ],
      },
    ],
    // Replaces the chart's default `console`/`console123` admin user.
    users: [
      { accessKey: i.pipelineUser.accessKey, existingSecret: i.pipelineUser.secretName, existingSecretKey: i.pipelineUser.secretKey, policy: i.policyName },
    ],
    svcaccts: [],
    resources: { requests: { cpu: i.resources.cpu, memory: i.resources.memory }, limits: { memory: i.resources.memoryLimit } },
    service: { type: "ClusterIP", port: String(MINIO_API_PORT) },
    consoleService: { type: "ClusterIP", port: String(MINIO_CONSOLE_PORT) },
    ingress: { enabled: false },
    consoleIngress: { enabled: false },
    environment: { MINIO_BROWSER: i.console ? "on" : "off" },
    tls: i.tlsSecretName ? { enabled: true, certSecret: i.tlsSecretName, publicCrt: "tls.crt", privateKey: "tls.key" } : { enabled: false },
    // The component renders its own NetworkPolicy (ingress from the pipeline namespace only).
    networkPolicy: { enabled: false },
    serviceAccount: { create: true, name: i.fullname },
    metrics: { serviceMonitor: { enabled: false, public: false } },
  };
}
