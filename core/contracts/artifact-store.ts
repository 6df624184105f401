/** The images a SageMaker pipeline runs, by role (`python`: the stage scripts; the others as named). */
export const STAGE_IMAGE_ROLES = ["python", "trainer", "evaluator", "serving"] as const;
/** A stage image role (an enum the provider host accepts; the values are {@link STAGE_IMAGE_ROLES}). */
export const StageImageRole = { Python: "python", Trainer: "trainer", Evaluator: "evaluator", Serving: "serving" } as const;
export type StageImageRole = (typeof StageImageRole)[keyof typeof StageImageRole];

/** Platforms an artifact store lives on. */
export const StorePlatform = {
  Aws: "aws",
  Gcp: "gcp",
  Kubernetes: "kubernetes",
} as const;
export type StorePlatform = (typeof StorePlatform)[keyof typeof StorePlatform];

/** Object-store URI schemes. */
export const StoreScheme = {
  /** Amazon S3 and S3-compatible stores (MinIO). */
  S3: "s3",
  /** Google Cloud Storage. */
  Gs: "gs",
} as const;
export type StoreScheme = (typeof StoreScheme)[keyof typeof StoreScheme];

/** Image references by stage role (each one set where the store's registry serves that role's image). */
export interface ArtifactImages {
  /** The image the stage scripts run in. */
  python?: string;
  /** The training image. */
  trainer?: string;
  /** The evaluation image. */
  evaluator?: string;
  /** The serving image. */
  serving?: string;
}

/** Where pipeline pods need egress to for the store. */
export interface StoreEgress {
  /** Hostnames. */
  hosts: string[];
  /** CIDR blocks. */
  cidrs: string[];
  /** TCP ports. */
  ports: number[];
}

/** What the artifact registry tells the pipeline and the stacks. All URIs end without a slash. */
export interface ArtifactStoreContract {
  /** Platform of the store. */
  platform: StorePlatform;
  /** Object-store scheme used in URIs. */
  scheme: StoreScheme;
  /** Bucket name. */
  bucket: string;
  /** `s3://bucket/datasets` — raw and prepared datasets. */
  datasetsUri: string;
  /** `s3://bucket/models` — base-model snapshots `models/<hub-id>@<revision>/`. */
  modelsUri: string;
  /** `s3://bucket/checkpoints` — training checkpoints `checkpoints/<pipeline>/<run-id>/`. */
  checkpointsUri: string;
  /** `s3://bucket/runs` — run-scoped stage outputs `runs/<pipeline>/<run-id>/<stage>/`. */
  runsUri: string;
  /** `s3://bucket/registry` — versioned model registry `registry/<model>/<version>/`. */
  registryUri: string;
  /** Container registry prefix images are pushed to, e.g. `123.dkr.ecr.us-east-1.amazonaws.com/finetune`. */
  containerRegistry: string;
  /**
   * Where the runtime pulls each pinned stage image in this store's registry (AWS: an ECR repository the
   * registry creates and the mirror command fills, or a pull-through cache prefix it creates; set when the
   * account id is known). Absent on stores whose runtime pulls the pins from their upstream registries (GKE,
   * Kubernetes).
   */
  images?: ArtifactImages;
  /** ECR pull-through cache repository prefixes (`<name>/<upstream>`): pulling from them creates the repository. */
  pullThroughPrefixes?: string[];
  /** S3-compatible endpoint for non-AWS stores (MinIO or bring-your-own). */
  s3Endpoint?: string;
  /** Secret holding `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` for S3-compatible stores. */
  credentialsSecretName?: string;
  /** Pull secret for the container registry, when one is needed. */
  imagePullSecretName?: string;
  /** Annotations the pipeline's ServiceAccount needs to get store access (IRSA / Workload Identity). */
  serviceAccountAnnotations: Record<string, string>;
  /** Identity that may read/write the store (IAM role ARN, GSA email, or a Kubernetes secret ref). */
  identity: string;
  /** SageMaker Model Package Group name (AWS only). */
  modelPackageGroupName?: string;
  /** KMS key ARN / CMEK name used for encryption, where there is one. */
  kmsKeyId?: string;
  /** Hostnames/CIDRs the pipeline pods need egress to for the store. */
  egress: StoreEgress;
}
