/**
 * AWS policies: S3 buckets private, encrypted with a customer-managed key, versioned and TLS-only; ECR
 * immutable and scanned; KMS rotation; IAM without wildcard actions; EKS nodes without SSH and with IMDSv2
 * (hop limit 1); SageMaker training isolated and encrypted; log retention; a budget.
 */
import { Level, PolicyGroup, display, resourcePolicy, stackPolicy, type KitPolicy, type StackResource, type StackView } from "../kit-policy";
import { deniesInsecureTransport, statementsOf, wildcardGrants } from "../lib/iam";
import { asKind, kubeObjectOf } from "../lib/kubernetes";
import { EKS_NODE_GROUP } from "../lib/pools";
import { boolArg, isSet, pipelineTrainingJobs } from "../lib/sagemaker";
import { arr, isRecord, isUnknown, list, num, rec, str, type JsonObject } from "../lib/values";

export const S3_BUCKET_TYPES: readonly string[] = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const PAB_TYPES = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"];
const SSE_TYPES = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const VERSIONING_TYPES = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
const BUCKET_POLICY_TYPES = ["aws:s3/bucketPolicy:BucketPolicy"];

/** Values a bucket's sub-resources may name it by. */
function bucketIds(b: StackResource): string[] {
  return [str(b.props.bucket)].filter((x): x is string => x !== undefined);
}

function bucketLabel(b: StackResource): string {
  return `S3 bucket "${str(b.props.bucket) ?? b.name}"`;
}

/** Runs `check` for each bucket with the sub-resources of `types` attached to it. */
function eachBucket(stack: StackView, types: readonly string[], check: (bucket: StackResource, attached: StackResource[]) => void): void {
  for (const b of stack.ofType(...S3_BUCKET_TYPES)) check(b, stack.attached(b, types, "bucket", bucketIds(b)));
}

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];

const s3PublicAccessBlock = stackPolicy({
  name: "s3-public-access-block",
  description: "Every S3 bucket has a BucketPublicAccessBlock with all four settings on and no public ACL.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation:
    "Create aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true; remove public ACLs.",
  check(stack, report) {
    eachBucket(stack, PAB_TYPES, (b, pabs) => {
      const acl = str(b.props.acl);
      if (acl && PUBLIC_ACLS.includes(acl)) report(`${bucketLabel(b)} has ACL ${acl} (remove acl or set it to private)`, b.urn);
      if (!pabs.length) {
        report(
          `${bucketLabel(b)} has no public access block (add aws.s3.BucketPublicAccessBlock with bucket: <bucket>.id and ${PAB_FLAGS.map((f) => `${f}: true`).join(", ")})`,
          b.urn,
        );
        return;
      }
      for (const pab of pabs) {
        const off = PAB_FLAGS.filter((f) => pab.props[f] !== true && !isUnknown(pab.props[f]));
        if (off.length)
          report(`${bucketLabel(b)} public access block ${display(pab)} leaves ${list(off)} off (set ${off.map((f) => `${f}: true`).join(", ")})`, pab.urn);
      }
    });
  },
});

const KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"];

const s3SseKms = stackPolicy({
  name: "s3-sse-kms",
  description: "Every S3 bucket encrypts by default with SSE-KMS under a customer-managed key.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation:
    "Create aws.s3.BucketServerSideEncryptionConfiguration for the bucket with applyServerSideEncryptionByDefault {sseAlgorithm: aws:kms, kmsMasterKeyId: <customer-managed key ARN>} and bucketKeyEnabled: true.",
  check(stack, report) {
    eachBucket(stack, SSE_TYPES, (b, sses) => {
      const rules = [
        ...(isRecord(b.props.serverSideEncryptionConfiguration) ? [rec(b.props.serverSideEncryptionConfiguration.rule)] : []),
        ...sses.flatMap((s) => arr(s.props.rules).map(rec)),
      ];
      const defaults = rules.map((r) => rec(r.applyServerSideEncryptionByDefault));
      if (!defaults.length) {
        report(
          `${bucketLabel(b)} has no default encryption with a customer-managed KMS key (add aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm: aws:kms and kmsMasterKeyId: <key ARN>)`,
          b.urn,
        );
        return;
      }
      const ok = defaults.some((d) => {
        const alg = d.sseAlgorithm;
        const key = d.kmsMasterKeyId;
        return (
          (isUnknown(alg) || KMS_ALGORITHMS.includes(String(alg))) &&
          (isUnknown(key) || (typeof key === "string" && key.length > 0 && !key.endsWith("alias/aws/s3")))
        );
      });
      if (!ok) {
        const d = defaults[0];
        const why = !KMS_ALGORITHMS.includes(String(d.sseAlgorithm)) ? `uses ${String(d.sseAlgorithm ?? "no algorithm")}` : "uses the AWS-managed key";
        report(
          `${bucketLabel(b)} default encryption ${why} instead of a customer-managed KMS key (set sseAlgorithm: aws:kms and kmsMasterKeyId to the kit's KMS key ARN)`,
          b.urn,
        );
      }
    });
  },
});

const s3Versioning = stackPolicy({
  name: "s3-versioning",
  description: "Every S3 bucket has versioning enabled.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation: "Create aws.s3.BucketVersioning for the bucket with versioningConfiguration.status: Enabled.",
  check(stack, report) {
    eachBucket(stack, VERSIONING_TYPES, (b, vs) => {
      const inline = rec(b.props.versioning).enabled === true;
      const attached = vs.some((v) => {
        const s = rec(v.props.versioningConfiguration).status;
        return s === "Enabled" || isUnknown(s);
      });
      if (!inline && !attached)
        report(
          `${bucketLabel(b)} is not versioned, so an overwrite or delete loses data (add aws.s3.BucketVersioning with versioningConfiguration: {status: "Enabled"})`,
          b.urn,
        );
    });
  },
});

const s3TlsOnly = stackPolicy({
  name: "s3-tls-only",
  description: "Every S3 bucket policy denies requests made without TLS (aws:SecureTransport false).",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation:
    "Attach a bucket policy with a Deny statement for Action s3:*, Principal *, Resource the bucket and its objects, Condition Bool aws:SecureTransport: false.",
  check(stack, report) {
    eachBucket(stack, BUCKET_POLICY_TYPES, (b, policies) => {
      const docs = [...(b.props.policy !== undefined ? [b.props.policy] : []), ...policies.map((p) => p.props.policy)];
      if (docs.some(isUnknown)) return;
      const ok = docs.some((d) => deniesInsecureTransport(statementsOf(d) ?? []));
      if (!ok) {
        report(
          `${bucketLabel(b)} accepts plain-HTTP requests (attach aws.s3.BucketPolicy with a statement {Effect: Deny, Principal: "*", Action: "s3:*", Resource: [<bucket ARN>, <bucket ARN>/*], Condition: {Bool: {"aws:SecureTransport": "false"}}})`,
          b.urn,
        );
      }
    });
  },
});

const ECR_REPOSITORY = "aws:ecr/repository:Repository";

const ecrImmutableTags = resourcePolicy({
  name: "ecr-immutable-tags",
  description: "ECR repositories have immutable image tags.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation: "Set imageTagMutability: IMMUTABLE on the repository.",
  appliesTo: [ECR_REPOSITORY],
  check(r, report) {
    const m = r.props.imageTagMutability;
    if (isUnknown(m) || m === "IMMUTABLE" || m === "IMMUTABLE_WITH_EXCLUSION") return;
    report(
      `ECR repository "${str(r.props.name) ?? r.name}" has mutable tags (${String(m ?? "MUTABLE by default")}), so a pushed image can be replaced under the same tag (set imageTagMutability: IMMUTABLE)`,
    );
  },
});

const ecrScanOnPush = resourcePolicy<{ registryScanOnPush: boolean }>({
  name: "ecr-scan-on-push",
  description: "ECR repositories scan images on push.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation:
    "Set imageScanningConfiguration.scanOnPush: true (or set this policy's registryScanOnPush when the account's registry scanning configuration scans on push).",
  config: {
    registryScanOnPush: {
      type: "boolean",
      default: false,
      description: "The account's registry scanning configuration already scans every repository on push.",
    },
  },
  appliesTo: [ECR_REPOSITORY],
  check(r, report, { registryScanOnPush }) {
    if (registryScanOnPush) return;
    const v = rec(r.props.imageScanningConfiguration).scanOnPush;
    if (v === true || isUnknown(v)) return;
    report(`ECR repository "${str(r.props.name) ?? r.name}" does not scan images on push (set imageScanningConfiguration: {scanOnPush: true})`);
  },
});

const KMS_KEY = "aws:kms/key:Key";
const GCP_CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey";

const kmsKeyRotation = resourcePolicy({
  name: "kms-key-rotation",
  description: "Customer-managed symmetric keys rotate automatically (AWS KMS enableKeyRotation, Cloud KMS rotationPeriod).",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation: "AWS: set enableKeyRotation: true on symmetric KMS keys. GCP: set rotationPeriod (e.g. 7776000s) on ENCRYPT_DECRYPT crypto keys.",
  appliesTo: [KMS_KEY, GCP_CRYPTO_KEY],
  check(r, report) {
    if (r.type === KMS_KEY) {
      const spec = str(r.props.customerMasterKeySpec) ?? str(r.props.keySpec) ?? "SYMMETRIC_DEFAULT";
      const usage = str(r.props.keyUsage) ?? "ENCRYPT_DECRYPT";
      if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") return;
      const v = r.props.enableKeyRotation;
      if (v !== true && !isUnknown(v)) report(`KMS key "${r.name}" does not rotate (set enableKeyRotation: true)`);
      return;
    }
    const purpose = str(r.props.purpose) ?? "ENCRYPT_DECRYPT";
    if (purpose !== "ENCRYPT_DECRYPT") return;
    const p = r.props.rotationPeriod;
    if (!isUnknown(p) && !str(p)) report(`Cloud KMS key "${str(r.props.name) ?? r.name}" does not rotate (set rotationPeriod, e.g. "7776000s" for 90 days)`);
  },
});

const IAM_POLICY_TYPES = [
  "aws:iam/policy:Policy",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
  "aws:iam/role:Role",
];

const iamNoWildcardActions = resourcePolicy({
  name: "iam-no-wildcard-actions",
  description: "IAM policies grant exact actions: no `*` in Allow actions and no NotAction.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation: "List the exact actions each statement needs (e.g. s3:GetObject, s3:PutObject) instead of s3:* or *.",
  appliesTo: IAM_POLICY_TYPES,
  check(r, report) {
    const docs: Array<{ doc: unknown; where: string }> =
      r.type === "aws:iam/role:Role"
        ? arr(r.props.inlinePolicies).map((p, i) => ({ doc: rec(p).policy, where: `inline policy "${str(rec(p).name) ?? i}"` }))
        : [{ doc: r.props.policy, where: "policy" }];
    for (const { doc, where } of docs) {
      for (const { statement, actions } of wildcardGrants(statementsOf(doc) ?? [])) {
        const sid = statement.sid ? ` (Sid ${statement.sid})` : "";
        report(
          `${display(r)} ${where} statement ${statement.index}${sid} allows wildcard actions ${actions.join(", ")} (list the exact actions it needs instead)`,
        );
      }
    }
  },
});

const eksNoSsh = resourcePolicy({
  name: "eks-node-group-no-ssh",
  description: "EKS node groups allow no SSH access (no remoteAccess key); use SSM Session Manager.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation: "Remove remoteAccess from the node group and use SSM Session Manager for node access.",
  appliesTo: [EKS_NODE_GROUP],
  check(r, report) {
    const ra = rec(r.props.remoteAccess);
    if (ra.ec2SshKey !== undefined && ra.ec2SshKey !== "")
      report(
        `EKS node group "${str(r.props.nodeGroupName) ?? r.name}" opens SSH with key ${isUnknown(ra.ec2SshKey) ? "(computed)" : String(ra.ec2SshKey)} (remove remoteAccess; use SSM Session Manager)`,
      );
  },
});

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

function imdsProblems(mo: JsonObject, path: string, requireSet: boolean): string[] {
  const out: string[] = [];
  const tokens = mo.httpTokens;
  const hops = mo.httpPutResponseHopLimit;
  if (!isUnknown(tokens) && (tokens !== undefined || requireSet) && tokens !== "required") out.push(`${path}.httpTokens: required`);
  if (!isUnknown(hops) && (hops !== undefined || requireSet) && num(hops) !== 1) out.push(`${path}.httpPutResponseHopLimit: 1`);
  return out;
}

const eksImdsV2 = resourcePolicy({
  name: "eks-node-imdsv2",
  description: "EKS nodes require IMDSv2 with hop limit 1, so pods cannot read the node role's credentials (node groups use a launch template that sets it).",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation:
    "Give each node group a launch template with metadataOptions {httpTokens: required, httpPutResponseHopLimit: 1, httpEndpoint: enabled}; leave Karpenter EC2NodeClass metadataOptions at those values.",
  appliesTo: (type) => type === EKS_NODE_GROUP || type === LAUNCH_TEMPLATE || type.startsWith("kubernetes:karpenter.k8s.aws/"),
  appliesToLabel: "EKS node groups, EC2 launch templates and Karpenter EC2NodeClasses",
  check(r, report) {
    if (r.type === EKS_NODE_GROUP) {
      const lt = rec(r.props.launchTemplate);
      if (lt.id === undefined && lt.name === undefined) {
        report(
          `EKS node group "${str(r.props.nodeGroupName) ?? r.name}" uses EKS's default launch template, whose IMDS hop limit lets pods reach node credentials (set launchTemplate to a template with metadataOptions {httpTokens: required, httpPutResponseHopLimit: 1})`,
        );
      }
      return;
    }
    if (r.type === LAUNCH_TEMPLATE) {
      const fixes = imdsProblems(rec(r.props.metadataOptions), "metadataOptions", true);
      if (fixes.length) report(`launch template "${str(r.props.name) ?? r.name}" does not enforce IMDSv2 with hop limit 1 (set ${fixes.join(", ")})`);
      return;
    }
    const obj = asKind(kubeObjectOf(r.type, r.props), "karpenter.k8s.aws", "EC2NodeClass");
    if (obj) {
      const fixes = imdsProblems(rec(rec(obj.spec).metadataOptions), "spec.metadataOptions", false);
      if (fixes.length) report(`Karpenter EC2NodeClass "${str(obj.metadata.name) ?? r.name}" weakens IMDS protection (set ${fixes.join(", ")})`);
    }
  },
});

const SAGEMAKER_PIPELINE = "aws:sagemaker/pipeline:Pipeline";

const sagemakerTrainingNetwork = resourcePolicy({
  name: "sagemaker-training-network",
  description: "SageMaker training jobs run in the VPC (VpcConfig) with network isolation.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation:
    "On every Training/Tuning step set VpcConfig {Subnets: <private subnets>, SecurityGroupIds: [<sg>]} and EnableNetworkIsolation: true (stage base models and data in S3).",
  appliesTo: [SAGEMAKER_PIPELINE],
  check(r, report) {
    for (const { def, step, job } of pipelineTrainingJobs(r.props)) {
      const vpc = rec(job.args.VpcConfig);
      const fixes: string[] = [];
      if (
        !isSet(def, vpc.Subnets) ||
        (Array.isArray(vpc.Subnets) && !vpc.Subnets.length) ||
        !isSet(def, vpc.SecurityGroupIds) ||
        (Array.isArray(vpc.SecurityGroupIds) && !vpc.SecurityGroupIds.length)
      ) {
        fixes.push(`${job.path}.VpcConfig {Subnets, SecurityGroupIds}`);
      }
      if (boolArg(def, job.args.EnableNetworkIsolation) !== true) fixes.push(`${job.path}.EnableNetworkIsolation: true`);
      if (fixes.length) report(`SageMaker step "${step.name}" trains outside an isolated VPC (set ${fixes.join(" and ")})`);
    }
  },
});

const sagemakerTrainingEncryption = resourcePolicy({
  name: "sagemaker-training-encryption",
  description: "SageMaker training encrypts inter-container traffic, the training volume and the output with KMS keys.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Aws,
  remediation:
    "On every Training/Tuning step set EnableInterContainerTrafficEncryption: true, ResourceConfig.VolumeKmsKeyId and OutputDataConfig.KmsKeyId to the kit's KMS key.",
  appliesTo: [SAGEMAKER_PIPELINE],
  check(r, report) {
    for (const { def, step, job } of pipelineTrainingJobs(r.props)) {
      const fixes: string[] = [];
      if (boolArg(def, job.args.EnableInterContainerTrafficEncryption) !== true) fixes.push(`${job.path}.EnableInterContainerTrafficEncryption: true`);
      if (!isSet(def, rec(job.args.ResourceConfig).VolumeKmsKeyId)) fixes.push(`${job.path}.ResourceConfig.VolumeKmsKeyId`);
      if (!isSet(def, rec(job.args.OutputDataConfig).KmsKeyId)) fixes.push(`${job.path}.OutputDataConfig.KmsKeyId`);
      if (fixes.length) report(`SageMaker step "${step.name}" leaves training data unencrypted in places (set ${fixes.join(", ")})`);
    }
  },
});

const cloudwatchLogRetention = resourcePolicy({
  name: "cloudwatch-log-retention",
  description: "CloudWatch log groups expire their logs (retentionInDays set).",
  enforcementLevel: Level.Advisory,
  group: PolicyGroup.Aws,
  remediation: "Set retentionInDays (e.g. 30 or 90) on the log group.",
  appliesTo: ["aws:cloudwatch/logGroup:LogGroup"],
  check(r, report) {
    const d = r.props.retentionInDays;
    if (isUnknown(d)) return;
    if (!num(d)) report(`CloudWatch log group "${str(r.props.name) ?? r.name}" keeps logs forever (set retentionInDays, e.g. 30)`);
  },
});

/** Cloud prefix → budget type token a stack on that cloud should have. */
const BUDGET_TYPES: ReadonlyArray<{ cloud: string; prefix: string; budget: string; fix: string }> = [
  { cloud: "AWS", prefix: "aws:", budget: "aws:budgets/budget:Budget", fix: "add aws.budgets.Budget with a monthly COST limit and notifications" },
  { cloud: "Google Cloud", prefix: "gcp:", budget: "gcp:billing/budget:Budget", fix: "add gcp.billing.Budget on the billing account with threshold rules" },
];

const budgetExists = stackPolicy({
  name: "budget-exists",
  description: "A stack that creates cloud resources also creates a budget with alerts for that cloud.",
  enforcementLevel: Level.Advisory,
  group: PolicyGroup.Aws,
  remediation:
    "Add aws.budgets.Budget (AWS) or gcp.billing.Budget (Google Cloud) with a monthly limit and notifications (the monitoring component creates one when enabled).",
  check(stack, report) {
    for (const b of BUDGET_TYPES) {
      const uses = stack.resources.some((r) => r.type.startsWith(b.prefix));
      if (uses && !stack.resources.some((r) => r.type === b.budget)) report(`the stack creates ${b.cloud} resources but no budget (${b.fix})`);
    }
  },
});

export const awsPolicies: KitPolicy[] = [
  s3PublicAccessBlock,
  s3SseKms,
  s3Versioning,
  s3TlsOnly,
  ecrImmutableTags,
  ecrScanOnPush,
  kmsKeyRotation,
  iamNoWildcardActions,
  eksNoSsh,
  eksImdsV2,
  sagemakerTrainingNetwork,
  sagemakerTrainingEncryption,
  cloudwatchLogRetention,
  budgetExists,
];
