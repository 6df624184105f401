import { describe, expect, it } from "vitest";
import { validateKubernetesObject } from "./kubernetes";

// Custom resources against the upstream CRDs in shared/schemas/crds, unknown fields rejected.

type Json = Record<string, any>;

const clusterQueue = (): Json => ({
  apiVersion: "kueue.x-k8s.io/v1beta2",
  kind: "ClusterQueue",
  metadata: { name: "gpu-spot" },
  spec: {
    cohortName: "ml",
    namespaceSelector: {},
    queueingStrategy: "BestEffortFIFO",
    resourceGroups: [
      {
        coveredResources: ["cpu", "memory", "nvidia.com/gpu"],
        flavors: [
          {
            name: "g5-spot",
            resources: [
              { name: "cpu", nominalQuota: 96 },
              { name: "memory", nominalQuota: "768Gi" },
              { name: "nvidia.com/gpu", nominalQuota: 8, borrowingLimit: 0 },
            ],
          },
        ],
      },
    ],
    preemption: { reclaimWithinCohort: "Any", withinClusterQueue: "LowerPriority" },
  },
});

const jobSet = (): Json => ({
  apiVersion: "jobset.x-k8s.io/v1alpha2",
  kind: "JobSet",
  metadata: { name: "finetune", namespace: "ml", labels: { "kueue.x-k8s.io/queue-name": "team-a" } },
  spec: {
    failurePolicy: { maxRestarts: 3 },
    successPolicy: { operator: "All", targetReplicatedJobs: ["workers"] },
    replicatedJobs: [
      {
        name: "workers",
        replicas: 2,
        template: {
          spec: {
            parallelism: 1,
            completions: 1,
            backoffLimit: 0,
            template: {
              spec: {
                restartPolicy: "Never",
                containers: [{ name: "trainer", image: "ghcr.io/example/trainer:1.2.3", resources: { limits: { "nvidia.com/gpu": 8 } } }],
              },
            },
          },
        },
      },
    ],
  },
});

const workflowTemplate = (): Json => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "WorkflowTemplate",
  metadata: { name: "finetune" },
  spec: {
    entrypoint: "main",
    serviceAccountName: "pipeline",
    arguments: { parameters: [{ name: "model", value: "llama-3.1-8b" }] },
    templates: [
      {
        name: "main",
        dag: {
          tasks: [
            { name: "prepare", template: "step" },
            { name: "train", template: "step", dependencies: ["prepare"] },
          ],
        },
      },
      {
        name: "step",
        retryStrategy: { limit: "2", retryPolicy: "OnError" },
        container: { image: "ghcr.io/example/step:1.0.0", command: ["python", "-m", "step"], resources: { limits: { memory: "4Gi" } } },
      },
    ],
  },
});

const nodePool = (): Json => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodePool",
  metadata: { name: "gpu-spot" },
  spec: {
    template: {
      metadata: { labels: { "finetune/pool": "gpu-spot" } },
      spec: {
        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "gpu" },
        requirements: [
          { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] },
          { key: "node.kubernetes.io/instance-type", operator: "In", values: ["g5.12xlarge", "g6e.12xlarge"] },
        ],
        taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }],
        expireAfter: "720h",
      },
    },
    limits: { "nvidia.com/gpu": 16 },
    disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "5m" },
  },
});

const ec2NodeClass = (): Json => ({
  apiVersion: "karpenter.k8s.aws/v1",
  kind: "EC2NodeClass",
  metadata: { name: "gpu" },
  spec: {
    role: "KarpenterNodeRole-ml",
    amiSelectorTerms: [{ alias: "al2023@v20251120" }],
    subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "ml" } }],
    securityGroupSelectorTerms: [{ tags: { "karpenter.sh/discovery": "ml" } }],
    blockDeviceMappings: [
      { deviceName: "/dev/xvda", ebs: { volumeSize: "200Gi", volumeType: "gp3", encrypted: true, kmsKeyID: "arn:aws:kms:us-east-1:111122223333:key/abc" } },
    ],
    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
  },
});

const clusterPolicy = (): Json => ({
  apiVersion: "nvidia.com/v1",
  kind: "ClusterPolicy",
  metadata: { name: "cluster-policy" },
  spec: {
    operator: { defaultRuntime: "containerd" },
    daemonsets: { priorityClassName: "system-node-critical", tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] },
    driver: { enabled: true, repository: "nvcr.io/nvidia", image: "driver", version: "580.95.05", useOpenKernelModules: true },
    toolkit: { enabled: true },
    devicePlugin: { enabled: true },
    dcgm: { enabled: false },
    dcgmExporter: { enabled: true, serviceMonitor: { enabled: true, interval: "15s" } },
    gfd: { enabled: true },
    nodeStatusExporter: { enabled: false },
  },
});

const prometheusRule = (): Json => ({
  apiVersion: "monitoring.coreos.com/v1",
  kind: "PrometheusRule",
  metadata: { name: "training", labels: { release: "kube-prometheus-stack" } },
  spec: {
    groups: [
      {
        name: "training",
        interval: "30s",
        partial_response_strategy: "WARN", // the CRD's `(?i)` pattern: case-insensitive
        rules: [
          {
            alert: "TrainingStalled",
            expr: "rate(train_steps_total[10m]) == 0",
            for: "15m",
            labels: { severity: "warning" },
            annotations: { summary: "no progress" },
          },
          { record: "job:gpu_util:avg", expr: "avg by (job) (DCGM_FI_DEV_GPU_UTIL)" },
        ],
      },
    ],
  },
});

describe("validateKubernetesObject: custom resources", () => {
  it.each([
    ["Kueue ClusterQueue v1beta2", clusterQueue],
    ["JobSet v1alpha2", jobSet],
    ["Argo WorkflowTemplate", workflowTemplate],
    ["Karpenter NodePool", nodePool],
    ["Karpenter EC2NodeClass", ec2NodeClass],
    ["GPU Operator ClusterPolicy", clusterPolicy],
    ["PrometheusRule", prometheusRule],
  ])("accepts a valid %s", (_label, make) => {
    expect(validateKubernetesObject(make())).toEqual([]);
  });

  it("accepts the other CRs the kit emits (LWS, TrainJob, ServiceMonitor, PodMonitor, LocalQueue, ResourceFlavor, WorkloadPriorityClass, CronWorkflow)", () => {
    const pod = { spec: { containers: [{ name: "vllm", image: "vllm/vllm-openai:v0.11.0", resources: { limits: { "nvidia.com/gpu": 8 } } }] } };
    const objects: Json[] = [
      {
        apiVersion: "leaderworkerset.x-k8s.io/v1",
        kind: "LeaderWorkerSet",
        metadata: { name: "serve" },
        spec: { replicas: 1, leaderWorkerTemplate: { size: 2, restartPolicy: "RecreateGroupOnPodRestart", leaderTemplate: pod, workerTemplate: pod } },
      },
      {
        apiVersion: "trainer.kubeflow.org/v1alpha1",
        kind: "TrainJob",
        metadata: { name: "ft" },
        spec: {
          runtimeRef: { name: "torch-distributed", kind: "ClusterTrainingRuntime", apiGroup: "trainer.kubeflow.org" },
          trainer: { image: "ghcr.io/example/trainer:1.2.3", numNodes: 2, resourcesPerNode: { limits: { "nvidia.com/gpu": 8 } }, command: ["torchrun"] },
        },
      },
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "dcgm" },
        spec: {
          selector: { matchLabels: { app: "dcgm" } },
          namespaceSelector: { matchNames: ["gpu-operator"] },
          endpoints: [{ port: "metrics", interval: "15s", path: "/metrics" }],
        },
      },
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name: "train" },
        spec: { selector: { matchLabels: { app: "t" } }, podMetricsEndpoints: [{ port: "metrics", interval: "30s" }] },
      },
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "LocalQueue", metadata: { name: "team-a", namespace: "ml" }, spec: { clusterQueue: "gpu-spot" } },
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "ResourceFlavor",
        metadata: { name: "g5-spot" },
        spec: { nodeLabels: { "karpenter.sh/capacity-type": "spot" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] },
      },
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "WorkloadPriorityClass", metadata: { name: "high" }, value: 1000, description: "interactive fine-tunes" },
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "CronWorkflow",
        metadata: { name: "nightly" },
        spec: { schedules: ["0 2 * * *"], concurrencyPolicy: "Forbid", workflowSpec: { workflowTemplateRef: { name: "finetune" } } },
      },
    ];
    expect(objects.flatMap((o) => validateKubernetesObject(o))).toEqual([]);
    const sm = objects[2]!;
    sm.spec.endpoints[0].intervall = "15s";
    expect(validateKubernetesObject(sm)).toEqual(['ServiceMonitor/dcgm: /spec/endpoints/0 must NOT have additional property "intervall"']);
  });

  it("rejects the v1beta1 field name `cohort` in a v1beta2 ClusterQueue (renamed to cohortName)", () => {
    const o = clusterQueue();
    o.spec.cohort = o.spec.cohortName;
    delete o.spec.cohortName;
    expect(validateKubernetesObject(o)).toEqual(['ClusterQueue/gpu-spot: /spec must NOT have additional property "cohort"']);
    // ...which v1beta1, still served, accepts.
    o.apiVersion = "kueue.x-k8s.io/v1beta1";
    expect(validateKubernetesObject(o)).toEqual([]);
  });

  it("rejects a misspelled JobSet field and a typo inside its embedded pod template", () => {
    const o = jobSet();
    o.spec.replicatedJob = o.spec.replicatedJobs;
    o.spec.replicatedJobs[0].template.spec.template.spec.containers[0].imagePullPolicyy = "Always";
    expect(validateKubernetesObject(o)).toEqual([
      'JobSet/finetune: /spec must NOT have additional property "replicatedJob"',
      'JobSet/finetune: /spec/replicatedJobs/0/template/spec/template/spec/containers/0 must NOT have additional property "imagePullPolicyy"',
    ]);
  });

  it("rejects a misspelled Argo field (entryPoint) and a wrong enum (retryPolicy)", () => {
    const o = workflowTemplate();
    o.spec.entryPoint = o.spec.entrypoint;
    delete o.spec.entrypoint;
    o.spec.templates[1].retryStrategy.retryPolicy = "Sometimes";
    expect(validateKubernetesObject(o)).toEqual([
      'WorkflowTemplate/finetune: /spec must NOT have additional property "entryPoint"',
      'WorkflowTemplate/finetune: /spec/templates/1/retryStrategy/retryPolicy must be one of "Always", "OnFailure", "OnError", "OnTransientError" (got "Sometimes")',
    ]);
  });

  it("rejects typos inside Argo's repeated container schema (shared once for compile speed) and a wrong-type field", () => {
    const o = workflowTemplate();
    o.spec.templates[1].container.imagePullPolicyy = "Always";
    o.spec.templates[1].container.resources.limits.memory = "4GB";
    o.spec.templates[0].dag.tasks[1].dependencies = "prepare";
    expect(validateKubernetesObject(o)).toEqual([
      'WorkflowTemplate/finetune: /spec/templates/0/dag/tasks/1/dependencies must be array (got "prepare")',
      'WorkflowTemplate/finetune: /spec/templates/1/container must NOT have additional property "imagePullPolicyy"',
      'WorkflowTemplate/finetune: /spec/templates/1/container/resources/limits/memory must be a Kubernetes quantity such as 64Gi, 500m or 2 (got "4GB")',
    ]);
  });

  it("rejects a wrong operator enum in a NodePool requirement and a bad consolidateAfter", () => {
    const o = nodePool();
    o.spec.template.spec.requirements[0].operator = "Includes";
    o.spec.disruption.consolidateAfter = "5 minutes";
    expect(validateKubernetesObject(o)).toEqual([
      'NodePool/gpu-spot: /spec/disruption/consolidateAfter must match pattern "^(([0-9]+(s|m|h))+|Never)$" (got "5 minutes")',
      'NodePool/gpu-spot: /spec/template/spec/requirements/0/operator must be one of "Gte", "Lte", "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt" (got "Includes")',
    ]);
  });

  it("rejects a misspelled EC2NodeClass field (amiSelectorTerm) and reports the now-missing required one", () => {
    const o = ec2NodeClass();
    o.spec.amiSelectorTerm = o.spec.amiSelectorTerms;
    delete o.spec.amiSelectorTerms;
    expect(validateKubernetesObject(o)).toEqual([
      'EC2NodeClass/gpu: /spec must have required property "amiSelectorTerms"',
      'EC2NodeClass/gpu: /spec must NOT have additional property "amiSelectorTerm"',
    ]);
  });

  it("rejects a wrong-type field in ClusterPolicy (driver.enabled as a string) and a missing required section", () => {
    const o = clusterPolicy();
    o.spec.driver.enabled = "true";
    delete o.spec.gfd;
    expect(validateKubernetesObject(o)).toEqual([
      'ClusterPolicy/cluster-policy: /spec must have required property "gfd"',
      'ClusterPolicy/cluster-policy: /spec/driver/enabled must be boolean (got "true")',
    ]);
  });

  it("rejects a PrometheusRule with a misspelled rule field and a partial_response_strategy outside the (?i) pattern", () => {
    const o = prometheusRule();
    o.spec.groups[0].rules[0].labelz = { severity: "page" };
    o.spec.groups[0].partial_response_strategy = "ignore";
    expect(validateKubernetesObject(o)).toEqual([
      'PrometheusRule/training: /spec/groups/0/partial_response_strategy must match pattern "^(?i)(abort|warn)?$" (got "ignore")',
      'PrometheusRule/training: /spec/groups/0/rules/0 must NOT have additional property "labelz"',
    ]);
  });

  it("checks a custom resource's metadata as ObjectMeta (the CRDs leave it open)", () => {
    const o = nodePool();
    o.metadata.label = { a: "b" };
    expect(validateKubernetesObject(o)).toEqual(['NodePool/gpu-spot: /metadata must NOT have additional property "label"']);
  });

  it("pins apiVersion and kind: an unknown kind or version of a known group is an error, not a pass", () => {
    expect(validateKubernetesObject({ ...clusterQueue(), kind: "ClusterQueues" })).toEqual([
      "ClusterQueues/gpu-spot: no schema for kueue.x-k8s.io/v1beta2 ClusterQueues (not a Kubernetes 1.36 built-in type nor a CRD in shared/schemas/crds)",
    ]);
    expect(validateKubernetesObject({ ...jobSet(), apiVersion: "jobset.x-k8s.io/v1alpha1" })).toEqual([
      "JobSet/finetune: no schema for jobset.x-k8s.io/v1alpha1 JobSet (served versions of JobSet: jobset.x-k8s.io/v1alpha2)",
    ]);
  });
});
