import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import type { ArtifactImages, ArtifactStoreContract } from "../../core/contracts/artifact-store";
import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import { renderMermaid } from "../../pipelines/mermaid";
import { PipelineRenderError } from "../../pipelines/render/shared";
import { renderSageMakerPipeline, type SageMakerPipelineRender } from "../../pipelines/render/sagemaker";
import { sizePipeline, type Placement } from "../../pipelines/sizing";
import { pipelineSpecProblems, type FineTuningPipelineSpec } from "../../pipelines/spec";
import type { FineTuningPipelineSpecArgs } from "../../pipelines/spec-args";
import { throwIfProblems, type Problem } from "../../core/problem";
import { loadStageScripts } from "./scripts";
import { isPlainDeep, isKnown, unknownViewError, type InputOwner } from "../validation";
import type { ArtifactStoreContractArg } from "./kubernetes";
import type { ArtifactStoreContractInput } from "../artifact-registry/contract-input";
import { componentToken, withLegacyAlias } from "../tokens";

/** Arguments of {@link SageMakerFineTuningPipeline}. */
export interface SageMakerFineTuningPipelineArgs {
  /**
   * The pipeline spec as written (one entry of `finetune:pipelines`; an already parsed spec works too). The component
   * validates it and reports every problem as `spec.<path>`. Plain: it decides the child resources and their names.
   */
  spec: FineTuningPipelineSpecArgs;
  /**
   * Contract of the SageMaker GPU pool (`platform: "sagemaker"`, `instanceType`). Passed as an Output, it is
   * checked and sized when it resolves (inside `apply`, same messages) and `placement` is read from `placementOutput`.
   */
  pool: pulumi.Input<GpuPoolContract>;
  /**
   * Contract of the S3 artifact store (bucket prefixes, ECR registry, KMS key, Model Package Group):
   * `AwsArtifactRegistry.contract` (whose account-dependent fields may be outputs), or another stack's as an output.
   */
  store: pulumi.Input<ArtifactStoreContractInput>;
  /** Private subnets of the jobs. @default - SageMaker-managed network (no VPC) */
  subnetIds?: pulumi.Input<string>[];
  /** Security groups of the jobs (with subnetIds). @default [] */
  securityGroupIds?: pulumi.Input<string>[];
  /** Hugging Face hub token (Pulumi secret) for gated models; stored in Secrets Manager under the store's KMS key. @default - none */
  hubToken?: pulumi.Input<string>;
  /** Instance type of the CPU processing steps (plain: it is part of the construction-time render). @default "ml.m5.xlarge" */
  processingInstanceType?: string;
  /** Images by role (ECR; plain: part of the construction-time render). @default - the PIPELINE_IMAGES pins mirrored into `store.containerRegistry` */
  images?: ArtifactImages;
  /** Position of the pipeline in `finetune:pipelines`, for error keys. @default 0 */
  index?: number;
}

/** The arguments of {@link SageMakerFineTuningPipeline} typed `pulumi.Input`. */
export const SAGEMAKER_PIPELINE_INPUT_ARGS = [
  "pool",
  "store",
  "subnetIds",
  "securityGroupIds",
  "hubToken",
] as const satisfies readonly (keyof SageMakerFineTuningPipelineArgs)[];

/** The arguments of {@link SageMakerFineTuningPipeline} that stay plain, and why. */
export const SAGEMAKER_PIPELINE_PLAIN_ARGS: Record<string, string> = {
  spec: "decides the pipeline definition's steps and the child resources' names",
  processingInstanceType: "rendered into the pipeline definition's processing steps at construction",
  images: "stage image URIs rendered into the pipeline definition at construction",
  index: "the position of the pipeline in the config, used in error keys",
};

function s3Parts(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: m[1], key: m[2].replace(/\/+$/, "") };
}

/** Account and region from an ECR registry host (`123456789012.dkr.ecr.us-east-1.amazonaws.com/...`). */
export function accountAndRegion(containerRegistry: string): { account: string; region: string } | undefined {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/.exec(containerRegistry);
  return m ? { account: m[1], region: m[2] } : undefined;
}

/** The execution role's policy: exact actions on the store's prefixes, ECR repositories, KMS key, model package group. */
export function executionRolePolicy(o: {
  store: ArtifactStoreContract;
  pipelineName: string;
  roleArn: string;
  endpointName: string;
  hubTokenSecretArn?: string;
  vpc: boolean;
}): Record<string, unknown> {
  const { store } = o;
  const acct = accountAndRegion(store.containerRegistry);
  const region = acct?.region ?? "*";
  const account = acct?.account ?? "*";
  const prefix = (uri: string) => s3Parts(uri).key;
  const obj = (uri: string, sub = "") => `arn:aws:s3:::${store.bucket}/${prefix(uri)}${sub}/*`;
  const p = o.pipelineName;
  const group = store.modelPackageGroupName ?? p;
  const sm = (res: string) => `arn:aws:sagemaker:${region}:${account}:${res}`;
  const repoPath = store.containerRegistry.split("/").slice(1).join("/");
  const statements: Record<string, unknown>[] = [
    { Sid: "ReadDatasets", Effect: "Allow", Action: ["s3:GetObject"], Resource: [obj(store.datasetsUri)] },
    {
      Sid: "ReadWriteRunData",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: [obj(store.runsUri, `/${p}`), obj(store.modelsUri), obj(store.registryUri, `/${p}`)],
    },
    {
      Sid: "Checkpoints",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      Resource: [obj(store.checkpointsUri, `/${p}`)],
    },
    {
      Sid: "ListPrefixes",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [`arn:aws:s3:::${store.bucket}`],
      Condition: {
        StringLike: {
          "s3:prefix": [
            `${prefix(store.datasetsUri)}/*`,
            `${prefix(store.runsUri)}/${p}/*`,
            `${prefix(store.modelsUri)}/*`,
            `${prefix(store.checkpointsUri)}/${p}/*`,
            `${prefix(store.registryUri)}/${p}/*`,
          ],
        },
      },
    },
    { Sid: "EcrAuth", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
    {
      Sid: "EcrPull",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
      Resource: [`arn:aws:ecr:${region}:${account}:repository/${repoPath ? `${repoPath}/` : ""}*`],
    },
    // The first pull through a pull-through cache prefix creates the repository as the puller.
    ...(store.pullThroughPrefixes?.length
      ? [
          {
            Sid: "EcrPullThroughCache",
            Effect: "Allow",
            Action: ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
            Resource: store.pullThroughPrefixes.map((p) => `arn:aws:ecr:${region}:${account}:repository/${p}/*`),
          },
        ]
      : []),
    {
      Sid: "SageMakerJobs",
      Effect: "Allow",
      Action: [
        "sagemaker:CreateProcessingJob",
        "sagemaker:DescribeProcessingJob",
        "sagemaker:StopProcessingJob",
        "sagemaker:CreateTrainingJob",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:StopTrainingJob",
        "sagemaker:AddTags",
      ],
      Resource: [sm("processing-job/*"), sm("training-job/*")],
    },
    {
      Sid: "ModelRegistryAndEndpoint",
      Effect: "Allow",
      Action: [
        "sagemaker:CreateModelPackage",
        "sagemaker:DescribeModelPackage",
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:CreateModel",
        "sagemaker:DescribeModel",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:CreateEndpoint",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DescribeEndpoint",
        "sagemaker:AddTags",
      ],
      Resource: [sm(`model-package-group/${group}`), sm(`model-package/${group}/*`), sm("model/*"), sm("endpoint-config/*"), sm(`endpoint/${o.endpointName}`)],
    },
    {
      Sid: "PassRoleToJobs",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: [o.roleArn],
      Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
    },
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [`arn:aws:logs:${region}:${account}:log-group:/aws/sagemaker/*`],
    },
    {
      Sid: "Metrics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: ["*"],
      Condition: { StringLike: { "cloudwatch:namespace": ["/aws/sagemaker/*", "aws/sagemaker/*"] } },
    },
  ];
  if (store.kmsKeyId) {
    statements.push({
      Sid: "Kms",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"],
      Resource: [store.kmsKeyId],
    });
  }
  if (o.hubTokenSecretArn) statements.push({ Sid: "HubToken", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [o.hubTokenSecretArn] });
  if (o.vpc) {
    statements.push(
      {
        Sid: "VpcDescribe",
        Effect: "Allow",
        Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeDhcpOptions"],
        Resource: ["*"],
      },
      {
        Sid: "VpcInterfaces",
        Effect: "Allow",
        Action: ["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"],
        Resource: [
          `arn:aws:ec2:${region}:${account}:network-interface/*`,
          `arn:aws:ec2:${region}:${account}:subnet/*`,
          `arn:aws:ec2:${region}:${account}:security-group/*`,
        ],
      },
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** Each pipeline's preview render, kept off the instance so the provider host does not take it for an output. */
const PREVIEWS = new WeakMap<SageMakerFineTuningPipeline, SageMakerPipelineRender>();
/** Each pipeline's placement when known at construction (the `placement` view). */
const PLACEMENTS = new WeakMap<SageMakerFineTuningPipeline, { owner: InputOwner; placement?: Placement }>();

/** The pool must be a SageMaker pool. */
function poolProblems(pool: GpuPoolContract): Problem[] {
  return pool.platform === "sagemaker"
    ? []
    : [{ path: "pool", message: `pool "${pool.name}" is a ${pool.platform} pool (use a SageMaker pool with an instance type)` }];
}

/**
 * Stands in for a pool contract not known yet: a SageMaker pool of the name the spec gives, big enough for any
 * sizing (the construction-time render decides only the resources and their names, which depend on the spec alone).
 */
function placeholderPool(spec: FineTuningPipelineSpec): GpuPoolContract {
  return {
    name: spec.compute.pool,
    platform: "sagemaker",
    gpuType: "h200",
    gpusPerNode: Math.max(8, spec.compute.gpusPerNode ?? 0, spec.deployment.gpusPerReplica),
    gpuMemoryGiB: 141,
    computeCapability: "9.0",
    architecture: "hopper",
    capacityTypes: ["on-demand"],
    maxNodes: Math.max(64, spec.compute.nodes ?? 0),
    nodeSelector: {},
    tolerations: [],
    karpenter: false,
    instanceType: "ml.p5e.48xlarge",
    gpuResourceName: "nvidia.com/gpu",
  };
}

/**
 * One fine-tuning pipeline on SageMaker Pipelines: the rendered definition as an `aws.sagemaker.Pipeline`, its
 * execution role scoped to the store's prefixes, ECR repositories, KMS key and Model Package Group, the stage
 * scripts and trainer config published to the store, the hub token in Secrets Manager, and an optional
 * EventBridge Scheduler schedule (`spec.schedule`). The training image must run `sagemaker_entry.py` as its
 * `train` program (an image built FROM the pinned trainer image); the evaluation image must contain vLLM and
 * lm-evaluation-harness.
 */
export class SageMakerFineTuningPipeline extends pulumi.ComponentResource {
  readonly pipeline: aws.sagemaker.Pipeline;
  readonly executionRole: aws.iam.Role;
  readonly schedule?: aws.scheduler.Schedule;
  /**
   * GPUs per node, nodes and sharding the sizing chose, as plain values. Reading it throws when `pool` was passed as
   * an Output: read {@link placementOutput} then.
   */
  get placement(): Placement {
    const v = PLACEMENTS.get(this)!;
    if (v.placement === undefined) throw unknownViewError(v.owner, "placement", "placementOutput");
    return v.placement;
  }
  /** The placement as an Output (always set; resolves to {@link placement} when the pool is known). */
  readonly placementOutput: pulumi.Output<Placement>;
  readonly mermaid: string;
  /** The definition as rendered with a placeholder role ARN (for plan output); a getter, not a provider-host output (it holds `unknown`). */
  get preview(): SageMakerPipelineRender {
    return PREVIEWS.get(this)!;
  }
  /** SageMaker pipeline name. */
  readonly pipelineName: string;

  constructor(name: string, args: SageMakerFineTuningPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate and render before registering anything, so that a bad argument leaves no half-registered component.
    const parsed = pipelineSpecProblems(args.spec);
    if (!parsed.spec) throwIfProblems(COMPONENT, name, parsed.problems);
    const spec = parsed.spec!;
    // A store with outputs is checked and rendered with placeholders for them now (the objects and names depend on
    // the spec alone), and again inside `apply` once known; a plain store renders exactly once, now.
    // A pool contract given as an Output is handled the same way: a placeholder pool of the spec's name now, the
    // real one (checked, sized and rendered, with the same messages) inside `apply`.
    const storeKnown = isPlainDeep(args.store);
    const poolKnown = isPlainDeep(args.pool);
    const known = storeKnown && poolKnown;
    const store: ArtifactStoreContract = storeKnown ? (args.store as ArtifactStoreContract) : placeholderStore(args.store);
    const pool: GpuPoolContract = poolKnown ? (args.pool as GpuPoolContract) : placeholderPool(spec);
    const [platformProblems, registryProblems] = storeProblems(store);
    const problems: Problem[] = [...platformProblems, ...poolProblems(pool)];
    if (spec.baseModel.gated && args.hubToken === undefined)
      problems.push({ path: "hubToken", message: `is required because ${spec.baseModel.id} is gated (pulumi config set --secret finetune:hubToken <token>)` });
    problems.push(...registryProblems);
    const vpc = args.subnetIds !== undefined && args.subnetIds.length > 0;
    const placeholderOf = (st: ArtifactStoreContract) => ({
      roleArn: "arn:aws:iam::000000000000:role/placeholder",
      codeUri: `${st.runsUri}/${spec.name}/_code`,
      configUri: `${st.runsUri}/${spec.name}/_config`,
    });
    const previewOf = (st: ArtifactStoreContract, p: GpuPoolContract = pool) =>
      renderSageMakerPipeline(
        {
          spec,
          pool: p,
          store: st,
          ...placeholderOf(st),
          network: vpc ? { subnetIds: ["subnet-placeholder"], securityGroupIds: ["sg-placeholder"] } : undefined,
          processingInstanceType: args.processingInstanceType,
          images: args.images,
        },
        args.index ?? 0,
      );
    let preview: SageMakerPipelineRender | undefined;
    if (problems.length === 0) {
      try {
        preview = previewOf(store);
      } catch (e) {
        if (!(e instanceof PipelineRenderError)) throw e;
        problems.push(...e.problems);
      }
    }
    throwIfProblems(COMPONENT, name, problems);
    super(componentToken("SageMakerFineTuningPipeline"), name, {}, withLegacyAlias("SageMakerFineTuningPipeline", opts));
    PREVIEWS.set(this, preview as SageMakerPipelineRender);
    PLACEMENTS.set(this, { owner: { component: COMPONENT, name }, placement: poolKnown ? (sizePipeline(spec, pool).placement as Placement) : undefined });
    this.mermaid = renderMermaid(spec);
    this.pipelineName = spec.name;

    // The store once known, checked as at construction (same paths and messages).
    const storeOut: pulumi.Output<ArtifactStoreContract> = storeKnown
      ? pulumi.output(store)
      : (pulumi.output(args.store) as unknown as pulumi.Output<ArtifactStoreContract>).apply((st) => {
          throwIfProblems(COMPONENT, name, storeProblems(st).flat());
          return st;
        });
    const kmsKeyId: pulumi.Input<string | undefined> = storeKnown ? store.kmsKeyId : storeOut.apply((st) => st.kmsKeyId);
    // The pool once known, checked as at construction (same paths and messages).
    const poolOut: pulumi.Output<GpuPoolContract> = poolKnown
      ? pulumi.output(pool)
      : (pulumi.output(args.pool) as pulumi.Output<GpuPoolContract>).apply((p) => {
          throwIfProblems(COMPONENT, name, poolProblems(p));
          return p;
        });
    // The render of the real store and pool; its problems fail the deployment with the construction-time message.
    const renderOf = (st: ArtifactStoreContract, p: GpuPoolContract): SageMakerPipelineRender => {
      try {
        return previewOf(st, p);
      } catch (e) {
        if (e instanceof PipelineRenderError) throwIfProblems(COMPONENT, name, e.problems);
        throw e;
      }
    };
    this.placementOutput = poolKnown ? pulumi.output(this.placement) : poolOut.apply((p) => (renderOf(store, p), sizePipeline(spec, p).placement as Placement));

    // Scripts and config, content-addressed so that a change publishes a new prefix and updates the definition.
    const scripts = loadStageScripts();
    const hash = (files: Record<string, string>) => createHash("sha256").update(JSON.stringify(files)).digest("hex").slice(0, 12);
    const published = (st: ArtifactStoreContract, configFiles: Record<string, string>) => ({
      codeUri: `${st.runsUri}/${spec.name}/_code/${hash(scripts)}`,
      configUri: `${st.runsUri}/${spec.name}/_config/${hash(configFiles)}`,
      configFiles,
    });
    const pub = known ? published(store, this.preview.configFiles) : undefined;
    const pubOut = pub ? pulumi.output(pub) : pulumi.all([storeOut, poolOut]).apply(([st, p]) => published(st, renderOf(st, p).configFiles));
    const objects: pulumi.Resource[] = [];
    const put = (uri: pulumi.Input<string>, content: pulumi.Input<string>, resourceName: string, extra: pulumi.CustomResourceOptions = {}) => {
      if (known) {
        const { bucket, key } = s3Parts(uri as string);
        objects.push(
          new aws.s3.BucketObjectv2(
            resourceName,
            {
              bucket,
              key,
              content,
              contentType: "application/octet-stream",
              ...(store.kmsKeyId ? { serverSideEncryption: "aws:kms", kmsKeyId: store.kmsKeyId } : {}),
            },
            { parent: this, ...extra },
          ),
        );
        return;
      }
      const parts = pulumi.all([uri, storeOut]).apply(([u, st]) => ({ ...s3Parts(u), kms: st.kmsKeyId }));
      objects.push(
        new aws.s3.BucketObjectv2(
          resourceName,
          {
            bucket: parts.bucket,
            key: parts.key,
            content,
            contentType: "application/octet-stream",
            serverSideEncryption: parts.apply((x) => (x.kms ? "aws:kms" : undefined)),
            kmsKeyId: parts.apply((x) => x.kms),
          },
          { parent: this, ...extra },
        ),
      );
    };
    const at = (f: (p: ReturnType<typeof published>) => string): pulumi.Input<string> => (pub ? f(pub) : pubOut.apply(f));
    for (const file of Object.keys(scripts))
      put(
        at((p) => `${p.codeUri}/${file}`),
        scripts[file],
        `${name}-code-${file.replace(/[^a-z0-9]+/gi, "-")}`,
      );
    for (const file of Object.keys(this.preview.configFiles))
      put(
        at((p) => `${p.configUri}/${file}`),
        at((p) => p.configFiles[file]),
        `${name}-config-${file.replace(/[^a-z0-9]+/gi, "-")}`,
      );
    // The gate and the registry step read the deployed version's pointer; it starts empty and the pipeline owns it.
    put(
      known ? `${store.registryUri}/${spec.name}/deployed.json` : storeOut.apply((st) => `${st.registryUri}/${spec.name}/deployed.json`),
      JSON.stringify({ version: null, metrics: {}, previous: null, history: [] }),
      `${name}-deployed-pointer`,
      { ignoreChanges: ["content", "source"], retainOnDelete: true },
    );

    let hubTokenSecretArn: pulumi.Output<string> | undefined;
    if (spec.baseModel.gated && args.hubToken !== undefined) {
      const secret = new aws.secretsmanager.Secret(
        `${name}-hub-token`,
        { namePrefix: `${spec.name}-hub-token-`, kmsKeyId, description: `Hugging Face token for ${spec.baseModel.id}` },
        { parent: this },
      );
      new aws.secretsmanager.SecretVersion(`${name}-hub-token`, { secretId: secret.id, secretString: pulumi.secret(args.hubToken) }, { parent: this });
      hubTokenSecretArn = secret.arn;
    }

    this.executionRole = new aws.iam.Role(
      `${name}-execution`,
      {
        description: `SageMaker pipeline ${spec.name}: jobs, registry and endpoint`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        maxSessionDuration: 12 * 3600,
      },
      { parent: this },
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: this.executionRole.id,
        policy: pulumi
          .all([this.executionRole.arn, hubTokenSecretArn ?? pulumi.output(undefined as string | undefined), storeOut])
          .apply(([roleArn, secretArn, st]) =>
            JSON.stringify(executionRolePolicy({ store: st, pipelineName: spec.name, roleArn, endpointName: spec.name, hubTokenSecretArn: secretArn, vpc })),
          ),
      },
      { parent: this },
    );

    const definition = pulumi
      .all([
        this.executionRole.arn,
        pulumi.all(args.subnetIds ?? []),
        pulumi.all(args.securityGroupIds ?? []),
        hubTokenSecretArn ?? pulumi.output(undefined as string | undefined),
        storeOut,
        pubOut,
        poolOut,
      ])
      .apply(([roleArn, subnetIds, securityGroupIds, secretArn, st, { codeUri, configUri }, p]) =>
        JSON.stringify(
          renderSageMakerPipeline(
            {
              spec,
              pool: p,
              store: st,
              roleArn,
              codeUri,
              configUri,
              network: vpc ? { subnetIds, securityGroupIds } : undefined,
              hubTokenSecretArn: secretArn,
              processingInstanceType: args.processingInstanceType,
              images: args.images,
            },
            args.index ?? 0,
          ).definition,
        ),
      );
    this.pipeline = new aws.sagemaker.Pipeline(
      `${name}-pipeline`,
      {
        pipelineName: spec.name,
        pipelineDisplayName: spec.name,
        pipelineDescription: spec.description ?? `${spec.method.type} fine-tuning of ${spec.baseModel.id}`,
        roleArn: this.executionRole.arn,
        pipelineDefinition: definition,
        parallelismConfiguration: { maxParallelExecutionSteps: 4 },
      },
      { parent: this, dependsOn: [rolePolicy, ...objects] },
    );

    if (spec.schedule) {
      const schedulerRole = new aws.iam.Role(
        `${name}-scheduler`,
        {
          description: `Starts SageMaker pipeline ${spec.name} on schedule`,
          assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole" }],
          }),
        },
        { parent: this },
      );
      const schedulerPolicy = new aws.iam.RolePolicy(
        `${name}-scheduler`,
        {
          role: schedulerRole.id,
          policy: this.pipeline.arn.apply((arn) =>
            JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["sagemaker:StartPipelineExecution"], Resource: [arn] }] }),
          ),
        },
        { parent: this },
      );
      this.schedule = new aws.scheduler.Schedule(
        `${name}-schedule`,
        {
          description: `Scheduled run of fine-tuning pipeline ${spec.name}`,
          scheduleExpression: `cron(${toAwsCron(spec.schedule)})`,
          scheduleExpressionTimezone: "UTC",
          flexibleTimeWindow: { mode: "OFF" },
          ...(known ? (store.kmsKeyId ? { kmsKeyArn: store.kmsKeyId } : {}) : { kmsKeyArn: kmsKeyId }),
          target: {
            arn: this.pipeline.arn,
            roleArn: schedulerRole.arn,
            sagemakerPipelineParameters: {
              pipelineParameters: [
                { name: "DatasetUri", value: spec.dataset.uri },
                { name: "BaseModelRevision", value: spec.baseModel.revision },
              ],
            },
            retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
          },
        },
        { parent: this, dependsOn: [schedulerPolicy] },
      );
    }
    this.registerOutputs({
      pipelineArn: this.pipeline.arn,
      executionRoleArn: this.executionRole.arn,
      placementOutput: this.placementOutput,
      mermaid: this.mermaid,
    });
  }
}

const COMPONENT = "SageMakerFineTuningPipeline";

/** What a SageMaker pipeline needs of its store: platform problems, registry problems (checked at construction, and in `apply` for a store known later). */
function storeProblems(store: ArtifactStoreContract): [Problem[], Problem[]] {
  const platform: Problem[] = [];
  const registry: Problem[] = [];
  if (store.platform !== "aws" || store.scheme !== "s3")
    platform.push({
      path: "store",
      message: `is a ${store.platform} store; SageMaker needs the S3 artifact store (use the aws-sagemaker stack's ArtifactStore)`,
    });
  if (!accountAndRegion(store.containerRegistry))
    registry.push({
      path: "store.containerRegistry",
      message: `"${store.containerRegistry}" is not an ECR registry (<account>.dkr.ecr.<region>.amazonaws.com/<prefix>)`,
    });
  return [platform, registry];
}

/** Stands in for the store fields not known yet, in the construction-time render; passes {@link storeProblems}. */
const PLACEHOLDER_STORE: ArtifactStoreContract = {
  platform: "aws",
  scheme: "s3",
  bucket: "placeholder",
  datasetsUri: "s3://placeholder/datasets",
  modelsUri: "s3://placeholder/models",
  checkpointsUri: "s3://placeholder/checkpoints",
  runsUri: "s3://placeholder/runs",
  registryUri: "s3://placeholder/registry",
  containerRegistry: "000000000000.dkr.ecr.us-east-1.amazonaws.com/placeholder",
  serviceAccountAnnotations: {},
  identity: "arn:aws:iam::000000000000:role/placeholder",
  egress: { hosts: [], cidrs: [], ports: [443] },
};

/** The store with placeholders where its fields (or the whole of it) are outputs. */
function placeholderStore(store: ArtifactStoreContractArg): ArtifactStoreContract {
  if (!isKnown(store as pulumi.Input<ArtifactStoreContract>)) return PLACEHOLDER_STORE;
  return Object.fromEntries(
    Object.entries(store).map(([k, v]) => [k, isPlainDeep(v) ? v : PLACEHOLDER_STORE[k as keyof ArtifactStoreContract]]),
  ) as unknown as ArtifactStoreContract;
}

/**
 * A 5-field cron (minute hour day-of-month month day-of-week) as EventBridge's 6-field form: `?` in one of the
 * day fields, a year field, and weekdays 1-7 (SUN=1) instead of 0-6.
 */
export function toAwsCron(expr: string): string {
  const [min, hour, dom, mon, dow] = expr.trim().split(/\s+/);
  const awsDow = dow === "*" ? "?" : dow.replace(/\d/g, (d) => String((Number(d) % 7) + 1));
  const awsDom = dow === "*" ? dom : "?";
  return `${min} ${hour} ${awsDom} ${mon} ${awsDow} *`;
}
