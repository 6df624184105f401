/**
 * One case per policy: resources that comply (no violation of that policy) and resources that violate it,
 * with the exact messages expected. policies.test.ts checks that every policy of the pack has a case.
 */
import type { PolicyPackConfig, PolicyResource } from "../../policy/engine";
import {
  NS,
  clone,
  clusterPolicySpec,
  ignoreDisruption,
  k8s,
  patch,
  pipelineTemplate,
  res,
  restrictedContainerSc,
  restrictedPodSc,
  sagemakerDefinition,
  sagemakerPipeline,
  trainingJob,
  trainingJobSet,
  urnOf,
  webDeployment,
  withTasks,
} from "./fixtures";

export interface PolicyCase {
  policy: string;
  compliant: PolicyResource[];
  violating: PolicyResource[];
  messages: string[];
  config?: PolicyPackConfig;
}

// ---- shared fixtures ---------------------------------------------------------------------------

const JOB = 'Job "sft-train"';
const jobWhere = `${JOB}`;

const bucket = (name = "data", opts: { protect?: boolean } = { protect: true }) => res("aws:s3/bucket:Bucket", name, { bucket: `finetune-${name}` }, opts);
const attach = (type: string, name: string, b: PolicyResource, inputs: Record<string, unknown>) =>
  res(type, name, { bucket: (b.inputs as { bucket: string }).bucket, ...inputs }, { dependsOn: [b.urn] });
const pab = (b: PolicyResource, flags: Partial<Record<string, boolean>> = {}) =>
  attach("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${b.name}-pab`, b, {
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
    ...flags,
  });
const sse = (b: PolicyResource, d: Record<string, unknown> = { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:key/abc" }) =>
  attach("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${b.name}-sse`, b, {
    rules: [{ applyServerSideEncryptionByDefault: d, bucketKeyEnabled: true }],
  });
const versioning = (b: PolicyResource, status = "Enabled") =>
  attach("aws:s3/bucketVersioning:BucketVersioning", `${b.name}-versioning`, b, { versioningConfiguration: { status } });
const tlsPolicy = (b: PolicyResource, secure = "false") =>
  attach("aws:s3/bucketPolicy:BucketPolicy", `${b.name}-policy`, b, {
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::finetune-data", "arn:aws:s3:::finetune-data/*"],
          Condition: { Bool: { "aws:SecureTransport": secure } },
        },
      ],
    }),
  });

const eksGpuGroup = (over: Record<string, unknown> = {}) =>
  res("aws:eks/nodeGroup:NodeGroup", "gpu", {
    clusterName: "finetune",
    nodeGroupName: "gpu-l4",
    nodeRoleArn: "arn:aws:iam::123456789012:role/node",
    subnetIds: ["subnet-0a"],
    amiType: "AL2023_x86_64_NVIDIA",
    capacityType: "SPOT",
    instanceTypes: ["g6.2xlarge"],
    scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 8 },
    taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }],
    launchTemplate: { id: "lt-0abc", version: "1" },
    ...over,
  });

const gkeGpuPool = (over: Record<string, unknown> = {}, nodeOver: Record<string, unknown> = {}) =>
  res("gcp:container/nodePool:NodePool", "gpu", {
    name: "gpu-l4",
    cluster: "finetune",
    location: "us-central1",
    autoscaling: { totalMinNodeCount: 0, totalMaxNodeCount: 8, locationPolicy: "ANY" },
    nodeConfig: {
      machineType: "g2-standard-8",
      spot: true,
      serviceAccount: "finetune-nodes@finetune-demo-123.iam.gserviceaccount.com",
      workloadMetadataConfig: { mode: "GKE_METADATA" },
      shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
      guestAccelerators: [{ type: "nvidia-l4", count: 1, gpuDriverInstallationConfig: { gpuDriverVersion: "DEFAULT" } }],
      ...nodeOver,
    },
    ...over,
  });

const karpenterPool = (spec: Record<string, unknown> = {}) =>
  k8s({
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: "gpu" },
    spec: {
      template: {
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "gpu" },
          requirements: [
            { key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["g6"] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] },
          ],
          taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }],
        },
      },
      limits: { "nvidia.com/gpu": 16 },
      disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "5m" },
      ...spec,
    },
  });

const karpenterRelease = (settings: Record<string, unknown> = { clusterName: "finetune", interruptionQueue: "finetune-karpenter" }) =>
  res("kubernetes:helm.sh/v3:Release", "karpenter", {
    chart: "oci://public.ecr.aws/karpenter/karpenter",
    version: "1.8.1",
    namespace: "kube-system",
    values: { settings },
  });

const interruptionQueue = () => {
  const queue = res("aws:sqs/queue:Queue", "karpenter-interruption", { sqsManagedSseEnabled: true, messageRetentionSeconds: 300 });
  const rule = res("aws:cloudwatch/eventRule:EventRule", "karpenter-spot-interruption", {
    eventPattern: JSON.stringify({ source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] }),
  });
  const target = res(
    "aws:cloudwatch/eventTarget:EventTarget",
    "karpenter-spot-interruption",
    { rule: "karpenter-spot-interruption", arn: "arn:aws:sqs:us-east-1:123456789012:karpenter-interruption" },
    { dependsOn: [rule.urn, queue.urn] },
  );
  return [queue, rule, target];
};

const clusterQueue = (gpuQuota: unknown = 8) =>
  k8s({
    apiVersion: "kueue.x-k8s.io/v1beta2",
    kind: "ClusterQueue",
    metadata: { name: "gpu" },
    spec: {
      namespaceSelector: {},
      resourceGroups: [
        {
          coveredResources: ["cpu", "memory", "nvidia.com/gpu"],
          flavors: [
            {
              name: "spot",
              resources: [
                { name: "cpu", nominalQuota: 64 },
                { name: "memory", nominalQuota: "512Gi" },
                ...(gpuQuota === null ? [] : [{ name: "nvidia.com/gpu", nominalQuota: gpuQuota }]),
              ],
            },
          ],
        },
      ],
    },
  });

const namespace = (name: string, level?: string) =>
  k8s({ apiVersion: "v1", kind: "Namespace", metadata: { name, ...(level ? { labels: { "pod-security.kubernetes.io/enforce": level } } : {}) } });

const denyAll = () =>
  k8s({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "default-deny", namespace: NS },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  });
const allowDns = () =>
  k8s({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "allow-dns", namespace: NS },
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }], ports: [{ protocol: "UDP", port: 53 }] }],
    },
  });

const localQueue = () =>
  k8s({ apiVersion: "kueue.x-k8s.io/v1beta2", kind: "LocalQueue", metadata: { name: "gpu", namespace: NS }, spec: { clusterQueue: "gpu" } });

const helmRelease = (name: string, chart: string, props: Record<string, unknown> = {}, opts: { protect?: boolean } = {}) =>
  res("kubernetes:helm.sh/v3:Release", name, { chart, version: "1.0.0", namespace: NS, values: {}, ...props }, opts);

const sm = (mutate: (def: any) => void) => {
  const d = sagemakerDefinition();
  mutate(d);
  return sagemakerPipeline(d);
};

const iamPolicy = (actions: string[] | string, extra: Record<string, unknown> = {}) =>
  res("aws:iam/policy:Policy", "pipeline-access", {
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Data", Effect: "Allow", Action: actions, Resource: ["arn:aws:s3:::finetune-data/*"], ...extra }],
    }),
  });

const gcsBucket = (over: Record<string, unknown> = {}) =>
  res(
    "gcp:storage/bucket:Bucket",
    "data",
    {
      name: "finetune-data",
      location: "US-CENTRAL1",
      publicAccessPrevention: "enforced",
      uniformBucketLevelAccess: true,
      versioning: { enabled: true },
      encryption: { defaultKmsKeyName: "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k" },
      ...over,
    },
    { protect: true },
  );

/** A careless spot training Job: no checkpoint, no podFailurePolicy, no do-not-disrupt. */
const carelessJob = () =>
  patch(trainingJob(), (i) => {
    i.spec.template.spec.containers[0].env = [];
    delete i.spec.podFailurePolicy;
    delete i.spec.template.metadata.annotations;
  });

const privilegedJob = () =>
  patch(trainingJob(), (i) => {
    const c = i.spec.template.spec.containers[0];
    c.securityContext = {
      privileged: true,
      allowPrivilegeEscalation: true,
      runAsUser: 0,
      capabilities: { add: ["SYS_ADMIN"] },
      seccompProfile: { type: "Unconfined" },
    };
    i.spec.template.spec.securityContext = {};
    i.spec.template.spec.hostNetwork = true;
    i.spec.template.spec.hostIPC = true;
    c.ports = [{ containerPort: 29500, hostPort: 29500 }];
    i.spec.template.spec.volumes = [
      { name: "shm", hostPath: { path: "/dev/shm" } },
      { name: "data", hostPath: { path: "/mnt/data", type: "Directory" } },
      { name: "nfs", nfs: { server: "10.0.0.2", path: "/exports" } },
    ];
  });

// ---- the cases ---------------------------------------------------------------------------------

export const CASES: PolicyCase[] = [
  // fine-tuning
  {
    policy: "spot-training-checkpoints",
    compliant: [trainingJob(), trainingJobSet(), pipelineTemplate(), sagemakerPipeline(), webDeployment()],
    violating: [
      carelessJob(),
      patch(trainingJobSet(), (i) => {
        i.spec.replicatedJobs[0].template.spec.template.spec.containers[0].env = [{ name: "CHECKPOINT_DIR", value: "/tmp/ckpt" }];
      }),
      sm((d) => {
        delete d.Steps[0].Arguments.CheckpointConfig;
      }),
    ],
    messages: [
      `${jobWhere} trains on GPUs and may run on spot (nodeSelector karpenter.sh/capacity-type: spot) but names no checkpoint location in durable storage (add env CHECKPOINT_URI with an s3:// or gs:// URI under the checkpoints prefix to spec.template.spec.containers[0] and resume from the newest checkpoint on restart)`,
      `JobSet "sft" replicatedJob "trainer" trains on GPUs and may run on spot (Kueue queue "gpu" (spot flavors first)) but names no checkpoint location in durable storage (add env CHECKPOINT_URI with an s3:// or gs:// URI under the checkpoints prefix to spec.replicatedJobs[0].template.spec.template.spec.containers[0] and resume from the newest checkpoint on restart)`,
      `SageMaker step "Train" uses managed spot training without a checkpoint in S3 (set Steps[0].Arguments.CheckpointConfig.S3Uri to an s3:// URI under the checkpoints prefix and LocalPath to /opt/ml/checkpoints)`,
    ],
  },
  {
    policy: "spot-training-tolerates-preemption",
    compliant: [trainingJob(), trainingJobSet(), pipelineTemplate(), webDeployment()],
    violating: [
      carelessJob(),
      patch(trainingJobSet(), (i) => {
        delete i.spec.failurePolicy;
        i.spec.replicatedJobs[0].template.spec.podFailurePolicy.rules = [{ action: "FailJob", onExitCodes: { operator: "In", values: [42] } }];
      }),
      k8s({
        apiVersion: "argoproj.io/v1alpha1",
        kind: "WorkflowTemplate",
        metadata: { name: "direct", namespace: NS },
        spec: {
          entrypoint: "train",
          securityContext: restrictedPodSc(),
          templates: [
            {
              name: "train",
              nodeSelector: { "cloud.google.com/gke-spot": "true" },
              retryStrategy: { limit: 3 },
              container: {
                image: "trainer:1.0.0",
                env: [{ name: "CHECKPOINT_URI", value: "gs://b/checkpoints" }],
                resources: { limits: { "nvidia.com/gpu": 1, memory: "32Gi" }, requests: { cpu: "4", memory: "32Gi" } },
                securityContext: restrictedContainerSc(),
              },
            },
          ],
        },
      }),
    ],
    messages: [
      `${jobWhere} may run on spot (nodeSelector karpenter.sh/capacity-type: spot) but its Job has no podFailurePolicy rule that ignores DisruptionTarget, so each preemption counts against backoffLimit (add {action: Ignore, onPodConditions: [{type: DisruptionTarget}]} to spec.podFailurePolicy.rules)`,
      `JobSet "sft" replicatedJob "trainer" may run on spot (Kueue queue "gpu" (spot flavors first)) but its Job has no podFailurePolicy rule that ignores DisruptionTarget, so each preemption counts against backoffLimit (add {action: Ignore, onPodConditions: [{type: DisruptionTarget}]} to spec.replicatedJobs[0].template.spec.podFailurePolicy.rules)`,
      `JobSet "sft" in namespace finetune may run on spot (Kueue queue "gpu" (spot flavors first)) but restarts 0 times after a preemption (set spec.failurePolicy.maxRestarts to at least 1)`,
      `WorkflowTemplate "direct" template "train" may run on spot (nodeSelector cloud.google.com/gke-spot: true) but is not retried when preempted (set spec.templates[0].retryStrategy to {limit: 3, retryPolicy: Always}; a preempted pod is an error, which retryPolicy OnFailure does not retry)`,
    ],
  },
  {
    policy: "sagemaker-spot-max-wait",
    compliant: [sagemakerPipeline()],
    violating: [
      sm((d) => {
        d.Steps[0].Arguments.StoppingCondition.MaxWaitTimeInSeconds = 3600;
      }),
      sm((d) => {
        delete d.Steps[0].Arguments.StoppingCondition.MaxWaitTimeInSeconds;
      }),
    ],
    messages: [
      `SageMaker step "Train" waits at most 3600s for spot capacity but may run 86400s (raise Steps[0].Arguments.StoppingCondition.MaxWaitTimeInSeconds to at least 86400)`,
      `SageMaker step "Train" uses managed spot training without MaxWaitTimeInSeconds (set Steps[0].Arguments.StoppingCondition.MaxRuntimeInSeconds and Steps[0].Arguments.StoppingCondition.MaxWaitTimeInSeconds ≥ MaxRuntimeInSeconds)`,
    ],
  },
  {
    policy: "evaluation-gate-before-deploy",
    compliant: [
      pipelineTemplate(),
      sagemakerPipeline(),
      // Model → EndpointConfig → Endpoint after the RegisterModel step of the passing branch (the schema allows no Model step inside IfSteps)
      sm((d) => {
        d.Steps.push(
          { Name: "Deploy", Type: "Model", Arguments: { PrimaryContainer: { ModelPackageName: { Get: "Steps.Register.ModelPackageArn" } } } },
          { Name: "DeployConfig", Type: "EndpointConfig", DependsOn: ["Deploy"], Arguments: {} },
          { Name: "Serve", Type: "Endpoint", DependsOn: ["DeployConfig"], Arguments: {} },
        );
      }),
      // steps: deploy in a later group than the evaluation
      k8s({
        apiVersion: "argoproj.io/v1alpha1",
        kind: "CronWorkflow",
        metadata: { name: "nightly", namespace: NS },
        spec: {
          schedules: ["0 2 * * *"],
          workflowSpec: {
            entrypoint: "main",
            templates: [
              { name: "main", steps: [[{ name: "train", template: "t" }], [{ name: "evaluate", template: "t" }], [{ name: "promote", template: "t" }]] },
              { name: "t", container: { image: "x:1" } },
            ],
          },
        },
      }),
    ],
    violating: [
      withTasks(pipelineTemplate(), [
        { name: "train", template: "train" },
        { name: "evaluate", template: "evaluate", dependencies: ["train"] },
        { name: "deploy", template: "deploy", dependencies: ["train"] },
      ]),
      withTasks(pipelineTemplate(), [
        { name: "evaluate", template: "evaluate" },
        { name: "register", template: "register", depends: "evaluate.Failed || evaluate.Succeeded" },
      ]),
      sm((d) => {
        d.Steps.push({ Name: "Deploy", Type: "Model", Arguments: {} });
      }),
      // Depending on the evaluation alone is no gate: only a step in the passing branch is.
      sm((d) => {
        d.Steps.push({ Name: "Serve", Type: "Endpoint", DependsOn: ["Evaluate"], Arguments: {} });
      }),
    ],
    messages: [
      `WorkflowTemplate "sft-pipeline" in namespace finetune: deployment task "deploy" (template "main") runs without a passed evaluation gate before it (make spec.templates[0].dag.tasks[2] depend on the evaluation task with dependencies: [<eval task>] or depends: "<eval task>.Succeeded", or guard it with when: "{{tasks.<eval task>.outputs.result}} == pass")`,
      `WorkflowTemplate "sft-pipeline" in namespace finetune: deployment task "register" (template "main") runs without a passed evaluation gate before it (make spec.templates[0].dag.tasks[1] depend on the evaluation task with dependencies: [<eval task>] or depends: "<eval task>.Succeeded", or guard it with when: "{{tasks.<eval task>.outputs.result}} == pass")`,
      `SageMaker Model step "Deploy" (Steps[3]) is not gated by an evaluation (move it into the IfSteps of a Condition step whose Conditions compare the evaluation step's metrics to their thresholds, or make it depend on a step there)`,
      `SageMaker Endpoint step "Serve" (Steps[3]) is not gated by an evaluation (move it into the IfSteps of a Condition step whose Conditions compare the evaluation step's metrics to their thresholds, or make it depend on a step there)`,
    ],
  },
  {
    policy: "gpu-pool-max-size",
    compliant: [eksGpuGroup(), gkeGpuPool(), karpenterPool(), clusterQueue()],
    violating: [
      eksGpuGroup({ scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 100 } }),
      gkeGpuPool({ autoscaling: { totalMinNodeCount: 0 } }),
      karpenterPool({ limits: { cpu: 1000 } }),
      clusterQueue(null),
    ],
    messages: [
      `EKS node group "gpu-l4" may grow to 100 GPU nodes, above the budget of 32 (lower scalingConfig.maxSize to 32 or less)`,
      `GKE node pool "gpu-l4" autoscales without a maximum (set autoscaling.maxNodeCount or autoscaling.totalMaxNodeCount to 32 or less)`,
      `Karpenter NodePool "gpu" launches GPU nodes without a GPU limit (set spec.limits["nvidia.com/gpu"] to the most GPUs the pool may hold)`,
      `Kueue ClusterQueue "gpu" covers nvidia.com/gpu without a quota in flavor "spot" (set spec.resourceGroups[0].flavors[0].resources[name=nvidia.com/gpu].nominalQuota)`,
    ],
  },
  {
    policy: "gpu-pool-scale-to-zero",
    compliant: [eksGpuGroup(), gkeGpuPool(), karpenterPool()],
    violating: [
      eksGpuGroup({ scalingConfig: { minSize: 2, desiredSize: 2, maxSize: 8 } }),
      gkeGpuPool({ autoscaling: undefined, nodeCount: 2 }),
      karpenterPool({ disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "Never" } }),
    ],
    messages: [
      `EKS node group "gpu-l4" keeps at least 2 GPU node(s) running when idle (set scalingConfig.minSize: 0)`,
      `GKE node pool "gpu-l4" has a fixed size and never scales to zero (add autoscaling with minNodeCount: 0)`,
      `Karpenter NodePool "gpu" never removes empty GPU nodes (set spec.disruption.consolidateAfter to a duration such as 5m)`,
    ],
  },
  {
    policy: "gpu-pool-tainted",
    compliant: [eksGpuGroup(), karpenterPool(), eksGpuGroup({ amiType: "AL2023_x86_64_STANDARD", instanceTypes: ["m7i.xlarge"], taints: [] })],
    violating: [
      eksGpuGroup({ taints: [] }),
      patch(karpenterPool(), (i) => {
        i.spec.template.spec.taints = [{ key: "nvidia.com/gpu", effect: "PreferNoSchedule" }];
      }),
    ],
    messages: [
      `EKS node group "gpu-l4" has no nvidia.com/gpu taint, so any pod can land on its GPU nodes (add taints: [{key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE"}])`,
      `Karpenter NodePool "gpu" launches GPU nodes without the nvidia.com/gpu taint (add {key: "nvidia.com/gpu", effect: NoSchedule} to spec.template.spec.taints)`,
    ],
  },
  {
    policy: "gpu-driver-pinned",
    compliant: [
      gkeGpuPool(),
      helmRelease("gpu-operator", "gpu-operator", {
        namespace: "gpu-operator",
        version: "v26.3.0",
        values: { driver: { enabled: true, version: "580.95.05" } },
      }),
      k8s({
        apiVersion: "nvidia.com/v1",
        kind: "ClusterPolicy",
        metadata: { name: "cluster-policy" },
        spec: clusterPolicySpec({ enabled: true, version: "580.95.05" }),
      }),
      k8s({ apiVersion: "nvidia.com/v1", kind: "ClusterPolicy", metadata: { name: "no-driver" }, spec: clusterPolicySpec({ enabled: false }) }),
    ],
    violating: [
      gkeGpuPool({}, { guestAccelerators: [{ type: "nvidia-l4", count: 1, gpuDriverInstallationConfig: { gpuDriverVersion: "LATEST" } }] }),
      helmRelease("gpu-operator", "gpu-operator", { namespace: "gpu-operator", version: undefined, values: { driver: { version: "latest" } } }),
      k8s({ apiVersion: "nvidia.com/v1", kind: "ClusterPolicy", metadata: { name: "cluster-policy" }, spec: clusterPolicySpec({ enabled: true }) }),
      k8s({
        apiVersion: "nvidia.com/v1alpha1",
        kind: "NVIDIADriver",
        metadata: { name: "default" },
        spec: { driverType: "gpu", default: true, image: "nvcr.io/nvidia/driver", version: "latest" },
      }),
    ],
    messages: [
      `GKE node pool "gpu-l4" installs the LATEST GPU driver, which changes under running training (set nodeConfig.guestAccelerators[0].gpuDriverInstallationConfig.gpuDriverVersion: DEFAULT)`,
      `Helm release "gpu-operator" (chart gpu-operator) has no pinned chart version (set version to a released chart version such as the one in core/versions.ts)`,
      `Helm release "gpu-operator" (chart gpu-operator) sets driver.version: latest (set values.driver.version to a driver release, e.g. the one the CUDA compatibility matrix names)`,
      `GPU Operator ClusterPolicy "cluster-policy" does not pin the driver (set spec.driver.version to a driver release)`,
      `GPU Operator NVIDIADriver "default" does not pin the driver (set spec.version to a driver release)`,
    ],
  },
  {
    policy: "karpenter-do-not-disrupt",
    compliant: [karpenterPool(), karpenterRelease(), trainingJob(), trainingJobSet(), pipelineTemplate()],
    violating: [karpenterPool(), carelessJob(), webDeployment()],
    messages: [
      `${jobWhere} is GPU training on Karpenter-managed nodes without the karpenter.sh/do-not-disrupt annotation (set spec.template.metadata.annotations["karpenter.sh/do-not-disrupt"]: "true")`,
    ],
  },
  {
    policy: "karpenter-interruption-queue",
    compliant: [karpenterPool(), karpenterRelease(), ...interruptionQueue()],
    violating: [karpenterRelease({ clusterName: "finetune" }), patch(karpenterPool(), (i) => (i.metadata.name = "other")), karpenterPool()],
    messages: [
      `Helm release "karpenter" (chart karpenter) has no interruption queue (set values.settings.interruptionQueue to the name of the SQS queue that receives EC2 spot interruption events)`,
    ],
  },
  {
    // Without a Karpenter release in the stack (Karpenter installed elsewhere), the queue must be created here.
    policy: "karpenter-interruption-queue",
    compliant: [karpenterPool(), ...interruptionQueue()],
    violating: [karpenterPool(), ...interruptionQueue().filter((r) => r.type !== "aws:cloudwatch/eventTarget:EventTarget")],
    messages: [
      `Karpenter NodePool "gpu" has no interruption queue in this stack (create an SQS queue fed by EventBridge rules for "EC2 Spot Instance Interruption Warning" and the other EC2 interruption events, e.g. with KarpenterInterruptionQueue, and set it as Karpenter's settings.interruptionQueue)`,
    ],
  },
  // Kubernetes
  {
    policy: "pss-no-privileged",
    compliant: [trainingJob(), pipelineTemplate(), patch(privilegedJob(), (i) => (i.metadata.namespace = "gpu-operator"))],
    violating: [privilegedJob()],
    messages: [
      `${JOB}: container "trainer" is privileged (set spec.template.spec.containers[0].securityContext.privileged: false; only the GPU Operator namespace may run privileged pods)`,
    ],
  },
  {
    policy: "pss-no-host-namespaces",
    compliant: [trainingJob(), webDeployment()],
    violating: [privilegedJob()],
    messages: [
      `${JOB} shares the host's namespaces (hostNetwork, hostIPC) (remove spec.template.spec.hostNetwork, spec.template.spec.hostIPC)`,
      `${JOB}: container "trainer" binds host port 29500 (remove spec.template.spec.containers[0].ports[0].hostPort and expose it through a Service)`,
    ],
  },
  {
    policy: "pss-run-as-non-root",
    compliant: [trainingJob(), webDeployment(), pipelineTemplate()],
    violating: [
      privilegedJob(),
      patch(webDeployment(), (i) => {
        delete i.spec.template.spec.securityContext.runAsNonRoot;
        delete i.spec.template.spec.containers[0].securityContext.runAsNonRoot;
      }),
    ],
    messages: [
      `${JOB}: container "trainer" runs as root (runAsUser: 0) (set spec.template.spec.containers[0].securityContext.runAsUser to a non-zero uid)`,
      `${JOB} does not require a non-root user for "trainer" (set spec.template.spec.securityContext.runAsNonRoot: true)`,
      `Deployment "model-card" does not require a non-root user for "web" (set spec.template.spec.securityContext.runAsNonRoot: true)`,
    ],
  },
  {
    policy: "pss-no-privilege-escalation",
    compliant: [trainingJob(), pipelineTemplate()],
    violating: [
      privilegedJob(),
      patch(pipelineTemplate(), (i) => {
        delete i.spec.templates[1].container.securityContext.allowPrivilegeEscalation;
      }),
    ],
    messages: [
      `${JOB}: container "trainer" may escalate privileges (set spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: false)`,
      `WorkflowTemplate "sft-pipeline" template "prepare": container "prepare" may escalate privileges (set spec.templates[1].container.securityContext.allowPrivilegeEscalation: false)`,
    ],
  },
  {
    policy: "pss-drop-all-capabilities",
    compliant: [trainingJob(), pipelineTemplate()],
    violating: [privilegedJob()],
    messages: [
      `${JOB}: container "trainer" keeps default capabilities (set spec.template.spec.containers[0].securityContext.capabilities.drop: [ALL])`,
      `${JOB}: container "trainer" adds capabilities SYS_ADMIN (remove them from spec.template.spec.containers[0].securityContext.capabilities.add)`,
    ],
  },
  {
    policy: "pss-seccomp-runtime-default",
    compliant: [trainingJob(), pipelineTemplate(), webDeployment()],
    violating: [
      privilegedJob(),
      patch(pipelineTemplate(), (i) => {
        delete i.spec.securityContext.seccompProfile;
        delete i.spec.templates[6].container.securityContext.seccompProfile;
      }),
    ],
    messages: [
      `${JOB}: container "trainer" runs without seccomp (Unconfined) (set spec.template.spec.containers[0].securityContext.seccompProfile.type: RuntimeDefault)`,
      `WorkflowTemplate "sft-pipeline" template "deploy" has no seccomp profile for "deploy" (set spec.templates[6].securityContext (or spec.securityContext).seccompProfile.type: RuntimeDefault)`,
    ],
  },
  {
    policy: "pss-volume-types",
    compliant: [trainingJob()],
    violating: [privilegedJob()],
    messages: [
      `${JOB}: volume "nfs" uses nfs, which PSS restricted forbids (mount the data through a persistentVolumeClaim instead; see spec.template.spec.volumes)`,
    ],
  },
  {
    policy: "no-host-path",
    compliant: [trainingJob(), patch(privilegedJob(), (i) => (i.metadata.namespace = "gpu-operator"))],
    violating: [privilegedJob()],
    messages: [
      `${JOB} mounts hostPath /dev/shm as volume "shm" (replace it in spec.template.spec.volumes with emptyDir: {medium: Memory, sizeLimit: <shared memory size>})`,
      `${JOB} mounts hostPath /mnt/data as volume "data" (replace it in spec.template.spec.volumes with a persistentVolumeClaim, emptyDir or configMap)`,
    ],
  },
  {
    policy: "gpu-container-resources",
    compliant: [trainingJob(), webDeployment()],
    violating: [
      patch(trainingJob(), (i) => {
        i.spec.template.spec.containers[0].resources = { requests: { "nvidia.com/gpu": 2 } };
      }),
    ],
    messages: [
      `${JOB}: GPU container "trainer" lacks limits["nvidia.com/gpu"], requests.cpu, requests.memory, limits.memory (set spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"], spec.template.spec.containers[0].resources.requests.cpu, spec.template.spec.containers[0].resources.requests.memory, spec.template.spec.containers[0].resources.limits.memory)`,
    ],
  },
  {
    policy: "namespace-pod-security-labels",
    compliant: [namespace(NS, "restricted"), namespace("gpu-operator", "privileged")],
    violating: [namespace("monitoring"), namespace("training", "privileged")],
    messages: [
      `Namespace "monitoring" does not enforce Pod Security Standards (set metadata.labels["pod-security.kubernetes.io/enforce"]: restricted)`,
      `Namespace "training" enforces "privileged" instead of restricted (set metadata.labels["pod-security.kubernetes.io/enforce"]: restricted; only the GPU Operator namespace may run privileged pods)`,
    ],
  },
  {
    policy: "pipeline-namespace-default-deny",
    compliant: [pipelineTemplate(), localQueue(), denyAll(), allowDns()],
    violating: [
      pipelineTemplate(),
      allowDns(),
      k8s({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-all-in", namespace: NS },
        spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] },
      }),
    ],
    messages: [
      `pipeline namespace "finetune" has no default-deny NetworkPolicy for Ingress (add a NetworkPolicy in "finetune" with podSelector: {} and policyTypes: [Ingress], then allow only DNS, the object store, the model hub and the API server)`,
    ],
  },
  {
    policy: "image-tag-pinned",
    compliant: [
      trainingJob(),
      pipelineTemplate(),
      patch(webDeployment(), (i) => (i.spec.template.spec.containers[0].image = "nginx@sha256:" + "a".repeat(64))),
    ],
    violating: [
      patch(webDeployment(), (i) => {
        i.spec.template.spec.containers[0].image = "nginx:latest";
        i.spec.template.spec.containers.push({ name: "sidecar", image: "registry.local:5000/tools/sidecar", securityContext: restrictedContainerSc() });
      }),
    ],
    messages: [
      `Deployment "model-card": container "web" image nginx:latest uses the latest tag (pin spec.template.spec.containers[0].image to a version tag or digest)`,
      `Deployment "model-card": container "sidecar" image registry.local:5000/tools/sidecar has no tag (defaults to latest) (pin spec.template.spec.containers[1].image to a version tag or digest)`,
    ],
  },
  {
    policy: "helm-chart-pinned",
    compliant: [helmRelease("argo", "argo-workflows", { version: "0.45.0" }), karpenterRelease()],
    violating: [
      helmRelease("argo", "argo-workflows", { version: undefined }),
      helmRelease("kueue", "oci://registry.k8s.io/kueue/charts/kueue", { version: "^0.19.0" }),
    ],
    messages: [
      `Helm release "argo" (chart argo-workflows) has no chart version, so each install takes the newest chart (set version to an exact chart version)`,
      `Helm release "kueue" (chart kueue) uses chart version "^0.19.0", which is not exact (set version to an exact chart version)`,
    ],
  },
  {
    policy: "helm-values-pod-security",
    compliant: [
      helmRelease("argo", "argo-workflows", { values: { controller: { securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false } } } }),
      helmRelease("gpu-operator", "gpu-operator", { namespace: "gpu-operator", values: { daemonsets: { securityContext: { privileged: true } } } }),
    ],
    violating: [
      helmRelease("minio", "minio", {
        values: { podSecurityContext: { runAsNonRoot: false, runAsUser: 0 }, containerSecurityContext: { allowPrivilegeEscalation: true }, hostNetwork: true },
      }),
    ],
    messages: [
      `Helm release "minio" (chart minio) in namespace finetune sets podSecurityContext.runAsNonRoot: false, podSecurityContext.runAsUser: 0, containerSecurityContext.allowPrivilegeEscalation: true, hostNetwork: true (remove these values or set them to the PSS restricted setting)`,
    ],
  },
];

// AWS, GCP and data cases continue in cases-cloud.ts.
export {
  bucket,
  pab,
  sse,
  versioning,
  tlsPolicy,
  eksGpuGroup,
  gkeGpuPool,
  iamPolicy,
  gcsBucket,
  helmRelease,
  sm,
  karpenterPool,
  karpenterRelease,
  carelessJob,
  privilegedJob,
  urnOf,
  clone,
  ignoreDisruption,
};
