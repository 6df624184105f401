import * as aws from "@pulumi/aws";
import { AwsArtifactRegistry } from "../components/artifact-registry/aws";
import { ecrImagePlan, type EcrImagePlan } from "../core/images";
import type { ArtifactStoreContract } from "../core/contracts/artifact-store";
import type { AwsArtifactStoreContract } from "../components/artifact-registry/contract-input";
import { sagemakerPoolContract } from "../components/gpu-node-pool/pool-contract";
import { CloudWatchMonitoring } from "../components/monitoring/cloudwatch";
import { SageMakerFineTuningPipeline } from "../components/pipeline/sagemaker";
import { awsArtifactRegistryArgs, awsArtifactStoreProblems } from "./config/artifact-store";
import type { Problem } from "./config/errors";
import { readHubToken } from "./config/load";
import type { KitConfig } from "./config/schema";
import { AwsPrivateNetwork } from "./infra/aws-network";
import type { StackOutputs } from "./main";
import { preflight, sagemakerPoolArgs } from "./preflight";
import { partitionOf } from "../core/aws-partition";

/** The SageMaker pipeline definition is rendered at `pulumi up` time from plain values: the account id must be known. */
function accountProblems(cfg: KitConfig): Problem[] {
  return cfg.artifactStore.aws.accountId === undefined
    ? [
        {
          path: "finetune:artifactStore.aws.accountId",
          message: "is required on aws-sagemaker (set your 12-digit AWS account id: the pipeline definitions name the ECR registry and KMS key by ARN)",
        },
      ]
    : [];
}

/** The registry's contract as plain strings (true whenever `accountId` is set, which the preflight requires). */
function plainContract(c: AwsArtifactStoreContract): ArtifactStoreContract {
  for (const k of ["containerRegistry", "identity", "kmsKeyId"] as const) {
    if (typeof c[k] !== "string") throw new Error(`internal: artifact store contract field ${k} is not a plain string although accountId is set`);
  }
  return c as ArtifactStoreContract;
}

/** Where the stack's SageMaker pipelines pull the pinned images, and how each gets there (for `plan`'s mirror command). */
export interface SageMakerImagePlan {
  region: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com` */
  registryHost: string;
  plan: EcrImagePlan;
}

/** The image plan of a typed config (the same table and inputs the registry is created from); undefined without an account id. */
export function sageMakerImagePlan(cfg: KitConfig): SageMakerImagePlan | undefined {
  const account = cfg.artifactStore.aws.accountId;
  if (cfg.aws === undefined || account === undefined) return undefined;
  const registryHost = `${account}.dkr.ecr.${cfg.aws.region}.${partitionOf(cfg.aws.region).dnsSuffix}`;
  return { region: cfg.aws.region, registryHost, plan: ecrImagePlan(cfg.name, registryHost, cfg.artifactStore.aws.upstreamCredentials) };
}

/**
 * The `aws-sagemaker` stack: a VPC with private subnets and VPC endpoints (training runs without internet
 * egress), the artifact registry (S3 + KMS, ECR, Model Package Group), SageMaker pipelines with managed spot
 * training, CloudWatch dashboards and alarms, SNS and an AWS Budgets budget.
 */
export function awsSageMakerStack(cfg: KitConfig): StackOutputs {
  const a = cfg.aws!;
  const { gpu } = preflight(cfg, "sagemaker", [...awsArtifactStoreProblems(cfg), ...accountProblems(cfg)]);

  const provider = new aws.Provider(`${cfg.name}-aws`, { region: a.region as aws.Region, defaultTags: { tags: { ...a.tags, "finetune-kit": cfg.name } } });
  const opts = { provider };
  const network = new AwsPrivateNetwork(`${cfg.name}-network`, { region: a.region, cidr: a.vpcCidr, availabilityZones: a.availabilityZones }, opts);
  const registry = new AwsArtifactRegistry(cfg.name, awsArtifactRegistryArgs({ ...cfg, aws: a }), opts);
  const store = plainContract(registry.contract);
  const m = cfg.monitoring;
  const monitoring = new CloudWatchMonitoring(
    `${cfg.name}-monitoring`,
    {
      region: a.region,
      accountId: cfg.artifactStore.aws.accountId,
      thresholds: m.thresholds,
      alertEmails: m.alertEmails,
      kmsKeyArn: m.aws.kmsKeyArn,
      budgetLimitUsd: m.aws.budgetLimitUsd,
      budgetThresholdsPercent: m.aws.budgetThresholdsPercent,
      logRetentionDays: m.aws.logRetentionDays,
      endpointNames: m.aws.endpointNames,
      tags: a.tags,
    },
    opts,
  );

  const hubToken = readHubToken();
  const pipelines = cfg.pipelines.map((spec, index) => {
    const p = gpu.pools.find((x) => x.name === spec.compute.pool)!;
    const pool = sagemakerPoolContract(sagemakerPoolArgs(p));
    return new SageMakerFineTuningPipeline(
      `${cfg.name}-${spec.name}`,
      { spec, pool, store, subnetIds: network.privateSubnetIds, securityGroupIds: [network.trainingSecurityGroupId], hubToken, index },
      { ...opts, dependsOn: [registry] },
    );
  });

  return {
    target: cfg.target,
    region: a.region,
    vpcId: network.vpcId,
    bucket: `s3://${store.bucket}`,
    datasetsUri: store.datasetsUri,
    checkpointsUri: store.checkpointsUri,
    registryUri: store.registryUri,
    containerRegistry: store.containerRegistry,
    // Where each pinned image comes from: pull-through cache rules the stack creates, or `out/aws-sagemaker/mirror-images.sh`.
    images: registry.imagePlan.apply((p) => Object.fromEntries(Object.values(p.images).map((i) => [i.role, { source: i.source, uri: i.uri, via: i.via }]))),
    modelPackageGroup: store.modelPackageGroupName,
    dashboardUrl: monitoring.dashboardUrl,
    alertTopicArn: monitoring.alertTopicArn,
    pipelines: Object.fromEntries(
      pipelines.map((p, i) => [
        cfg.pipelines[i].name,
        { arn: p.pipeline.arn, start: `aws sagemaker start-pipeline-execution --pipeline-name ${p.pipelineName} --region ${a.region}` },
      ]),
    ),
  };
}
