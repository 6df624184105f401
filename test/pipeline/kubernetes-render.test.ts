import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { imageRef, PIPELINE_IMAGES } from "../../core/versions";
import { renderMermaid } from "../../pipelines/mermaid";
import { renderKubernetesPipeline, type KubernetesPipelineRender } from "../../pipelines/render/kubernetes";
import { expectValidManifests } from "../validators/kubernetes";
import { example, gcsStore, h100Pool, l4Pool, minioStore, prometheusMonitoring, spec } from "./fixtures";
import { type K8sObject } from "../../core/kubernetes";

type Obj = Record<string, any>;
const RUN = "support-assistant-x7k2p";
/** Argo fills these in when a run starts; substitute to validate a JobSet the way the API server will see it. */
const asSubmitted = (m: object): Obj =>
  JSON.parse(
    JSON.stringify(m)
      .replace(/\{\{workflow\.name\}\}/g, RUN)
      .replace(/\{\{workflow\.parameters\.[a-z-]+\}\}/g, "0e9e39f"),
  );

const CASES = [
  { example: "support-assistant", pool: l4Pool, store: minioStore },
  { example: "document-classifier", pool: l4Pool, store: gcsStore },
  { example: "multi-node-full", pool: h100Pool, store: minioStore },
] as const;
const renders = new Map<string, KubernetesPipelineRender>(
  CASES.map((c) => [
    c.example,
    renderKubernetesPipeline({
      spec: example(c.example),
      pool: c.pool,
      store: c.store,
      namespace: "finetune",
      monitoring: prometheusMonitoring,
      driver: { mode: "gpu-operator", driverVersion: "580.95.05", maxCudaVersion: "13.0", runtimeClassName: "nvidia", dcgmExporter: true },
    }),
  ]),
);
const templates = (r: KubernetesPipelineRender): Obj[] => (r.workflowTemplate.spec as Obj).templates;
const template = (r: KubernetesPipelineRender, name: string): Obj => templates(r).find((t) => t.name === name)!;
const dagTasks = (r: KubernetesPipelineRender, name = "pipeline"): Obj[] => template(r, name).dag.tasks;

/** Every pod spec the pipeline can create: Argo stage pods (workflow securityContext + template containers), JobSet pods, serving pods. */
function podSpecs(r: KubernetesPipelineRender): { where: string; pod: Obj; containers: Obj[] }[] {
  const out: { where: string; pod: Obj; containers: Obj[] }[] = [];
  const wf = r.workflowTemplate.spec as Obj;
  for (const t of templates(r).filter((t) => t.container))
    out.push({ where: `template ${t.name}`, pod: wf, containers: [t.container, ...(t.initContainers ?? [])] });
  for (const cron of r.cronWorkflows) {
    const ws = (cron.spec as Obj).workflowSpec;
    for (const t of ws.templates ?? [])
      out.push({ where: `cron ${cron.metadata.name}/${t.name}`, pod: ws, containers: [t.container, ...(t.initContainers ?? [])] });
  }
  for (const js of [r.trainingJobSet, r.evaluationJobSet]) {
    const pod = (js.spec as Obj).replicatedJobs[0].template.spec.template.spec;
    out.push({ where: `jobset ${js.metadata.name}`, pod, containers: [...pod.containers, ...pod.initContainers] });
  }
  for (const d of r.objects.filter((o) => o.kind === "Deployment")) {
    const pod = (d.spec as Obj).template.spec;
    out.push({ where: `deployment ${d.metadata.name}`, pod, containers: [...pod.containers, ...pod.initContainers] });
  }
  return out;
}

describe("Kubernetes renderer: every object validates against the upstream schemas (strict)", () => {
  for (const c of CASES) {
    it(`${c.example}: WorkflowTemplate, CronWorkflows, JobSets, serving, RBAC, NetworkPolicies, ConfigMap`, () => {
      const r = renders.get(c.example)!;
      expectValidManifests([...r.objects, asSubmitted(r.trainingJobSet), asSubmitted(r.evaluationJobSet)]);
      // the JobSets validated here are exactly what the workflow's resource steps create
      expect(parse(template(r, "training").resource.manifest)).toEqual(r.trainingJobSet);
      expect(parse(template(r, "evaluation").resource.manifest)).toEqual(r.evaluationJobSet);
    });
  }
});

describe("the seven-stage DAG", () => {
  it("orders the stages and puts deployment behind the evaluation gate only", () => {
    const r = renders.get("support-assistant")!;
    expect(dagTasks(r).map((t) => [t.name, t.depends ?? ""])).toEqual([
      ["check-parameters", ""],
      ["data-prep", "check-parameters.Succeeded"],
      ["model-init", "check-parameters.Succeeded"],
      ["training-setup", "data-prep.Succeeded && model-init.Succeeded"],
      ["training", "training-setup.Succeeded"],
      ["evaluation", "training.Succeeded"],
      ["evaluation-gate", "evaluation.Succeeded"],
      ["deployment", "evaluation-gate.Succeeded"],
    ]);
  });

  it("has no path to deployment that avoids a passed gate", () => {
    for (const r of renders.values()) {
      const tasks = dagTasks(r);
      const deps = new Map(
        tasks.map((t) => [
          t.name as string,
          ((t.depends ?? "") as string)
            .split("&&")
            .map((d) => d.trim())
            .filter(Boolean),
        ]),
      );
      // Remove the gate: deployment (if any) must become unreachable from the roots.
      const reachable = new Set<string>();
      let grew = true;
      while (grew) {
        grew = false;
        for (const [name, ds] of deps) {
          if (reachable.has(name) || name === "evaluation-gate") continue;
          if (ds.every((d) => d.endsWith(".Succeeded") && reachable.has(d.replace(".Succeeded", "")))) {
            reachable.add(name);
            grew = true;
          }
        }
      }
      expect(reachable.has("deployment")).toBe(false);
      for (const t of tasks.filter((t) => t.name === "deployment")) expect(t.depends).toBe("evaluation-gate.Succeeded");
      // the gate command exits non-zero when the gate fails (no --no-fail on Kubernetes)
      expect(template(r, "evaluation-gate").container.command).not.toContain("--no-fail");
    }
  });

  it("omits every deployment step when deployment is disabled", () => {
    const r = renders.get("multi-node-full")!;
    expect(dagTasks(r).map((t) => t.name)).not.toContain("deployment");
    expect(templates(r).map((t) => t.name)).toEqual([
      "pipeline",
      "check-parameters",
      "data-prep",
      "model-init",
      "training-setup",
      "training",
      "evaluation",
      "evaluation-gate",
    ]);
    expect(r.objects.filter((o) => o.kind === "Deployment")).toEqual([]);
    expect(r.cronWorkflows).toEqual([]);
  });

  it("deployment registers, promotes, rolls out and verifies, and rolls back when roll-out or verification fails", () => {
    const r = renders.get("support-assistant")!;
    expect(dagTasks(r, "deployment").map((t) => [t.name, t.depends ?? ""])).toEqual([
      ["register", ""],
      ["promote", "register.Succeeded"],
      ["rollout", "promote.Succeeded"],
      ["verify", "rollout.Succeeded"],
      ["rollback", "rollout.Failed || verify.Failed"],
      ["rollback-rollout", "rollback.Succeeded"],
    ]);
    const rollout = parse(template(r, "rollout").resource.manifest);
    expect(rollout).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "support-assistant-serving", namespace: "finetune" },
      spec: { replicas: 1, template: { metadata: { annotations: { "finetune.dev/model-version": "{{workflow.name}}" } } } },
    });
    const verify = template(r, "verify").container.command;
    expect(verify.slice(0, 3)).toEqual(["python3", "/scripts/ftkit_run.py", "steps"]);
    expect(JSON.parse(verify[3])[0]).toEqual({
      run: [
        "python3",
        "/scripts/evaluate.py",
        "wait-version",
        "--endpoint",
        "http://support-assistant-serving.finetune.svc:8000/v1",
        "--model",
        "support-assistant",
        "--version",
        "{{workflow.name}}",
        "--timeout",
        "3600",
      ],
    });
    expect(JSON.parse(verify[3])[1].run.slice(0, 3)).toEqual(["python3", "/scripts/evaluate.py", "probe"]);
  });

  it("creates the training JobSet from a resource step that waits on its terminal state", () => {
    const t = template(renders.get("support-assistant")!, "training");
    expect(t.resource).toMatchObject({
      action: "create",
      setOwnerReference: true,
      successCondition: "status.terminalState == Completed",
      failureCondition: "status.terminalState == Failed",
    });
  });

  it("draws the DAG as Mermaid", () => {
    expect(renderMermaid(example("support-assistant"))).toBe(
      [
        "flowchart LR",
        "  %% support-assistant: qlora fine-tuning of meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659 on pool l4-spot",
        '  schedule(["schedule: 0 3 * * 1 UTC"]) --> data_prep & model_init',
        '  data_prep["1. Data preparation: validate, de-duplicate, split"]',
        '  model_init["2. Model initialization: snapshot the pinned base model"]',
        '  training_setup["3. Training setup: trainer config and sizing check"]',
        '  training["4. Training: checkpointed, resumable, spot-tolerant"]',
        '  evaluation["5. Evaluation: task, general-capability and safety suites"]',
        '  evaluation_gate{"5. Evaluation gate: thresholds and regression vs deployed"}',
        '  deployment["6. Deployment: register, promote, roll out (rollback on failure)"]',
        "  data_prep --> training_setup",
        "  model_init --> training_setup",
        "  training_setup --> training",
        "  training --> evaluation",
        "  evaluation --> evaluation_gate",
        "  evaluation_gate -- passed --> deployment",
        '  evaluation_gate -. failed .-> stop(["stop: nothing deployed"])',
        '  deployment -. verify failed .-> rollback(["rollback to the previous version"])',
        '  monitoring[["7. Monitoring: scheduled probe of the live endpoint (0 */6 * * * UTC)"]]',
        "  deployment -. live endpoint .-> monitoring",
        "",
      ].join("\n"),
    );
  });
});

describe("training on spot GPUs", () => {
  const jobset = (name: string) => renders.get(name)!.trainingJobSet as Obj;
  const podOf = (js: Obj) => js.spec.replicatedJobs[0].template.spec.template;

  it("is admitted by Kueue and placed by the pool contract (nodeSelector, tolerations, GPUs, runtime class)", () => {
    const js = jobset("support-assistant");
    expect(js.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("l4-spot");
    const pod = podOf(js);
    expect(pod.spec.nodeSelector).toEqual(l4Pool.nodeSelector);
    expect(pod.spec.tolerations).toEqual(l4Pool.tolerations);
    expect(pod.spec.runtimeClassName).toBe("nvidia");
    const trainer = pod.spec.containers[0];
    expect(trainer.resources).toEqual({
      requests: { "nvidia.com/gpu": "1", cpu: "8", memory: "48Gi", "ephemeral-storage": "200Gi" },
      limits: { "nvidia.com/gpu": "1", memory: "48Gi", "ephemeral-storage": "200Gi" },
    });
    expect(trainer.image).toBe(imageRef(PIPELINE_IMAGES.trainer));
  });

  it("survives preemption: DisruptionTarget ignored, JobSet restarts, shared memory from RAM, do-not-disrupt on Karpenter pools", () => {
    for (const [name, karpenter] of [
      ["support-assistant", false],
      ["multi-node-full", true],
    ] as const) {
      const js = jobset(name);
      const job = js.spec.replicatedJobs[0].template.spec;
      expect(job.podFailurePolicy.rules).toEqual([
        { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
        { action: "FailJob", onExitCodes: { containerName: "trainer", operator: "In", values: [42] } },
      ]);
      expect(js.spec.failurePolicy).toMatchObject({
        maxRestarts: name === "multi-node-full" ? 20 : 10,
        rules: [{ action: "FailJobSet", onJobFailureReasons: ["PodFailurePolicy"] }],
      });
      const pod = podOf(js);
      expect(pod.spec.restartPolicy).toBe("Never");
      expect(pod.spec.volumes).toContainEqual({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "16Gi" } });
      expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: "dshm", mountPath: "/dev/shm" });
      expect(pod.metadata.annotations).toEqual(karpenter ? { "karpenter.sh/do-not-disrupt": "true" } : {});
    }
  });

  it("checkpoints every 10 minutes to the run's checkpoint prefix and resumes from the newest on restart", () => {
    const pod = podOf(jobset("support-assistant"));
    const trainer = pod.spec.containers[0];
    expect(trainer.env).toContainEqual({ name: "FTKIT_CHECKPOINT_INTERVAL_SECONDS", value: "600" });
    expect(trainer.command.slice(0, 8)).toEqual([
      "python3",
      "/scripts/train_launcher.py",
      "--config",
      "s3://finetune/runs/support-assistant/{{workflow.name}}/training-setup/trainer.json",
      "--rendered",
      "/workspace/run/trainer.json",
      "--checkpoints",
      "s3://finetune/checkpoints/support-assistant/{{workflow.name}}",
    ]);
    expect(trainer.command).toContain("s3://finetune/models/meta-llama/Llama-3.1-8B-Instruct@{{workflow.parameters.base-model-revision}}=/workspace/model");
    const sync = pod.spec.initContainers.find((c: Obj) => c.name === "checkpoint-sync");
    expect(sync.restartPolicy).toBe("Always");
    expect(sync.command).toEqual([
      "python3",
      "/scripts/checkpoints.py",
      "sync",
      "--checkpoints",
      "s3://finetune/checkpoints/support-assistant/{{workflow.name}}",
      "--local",
      "/workspace/output",
      "--nodes",
      "1",
      "--keep",
      "3",
      "--interval",
      "30",
      "--node-rank",
      "$(FTKIT_NODE_RANK)",
    ]);
    const cfg = JSON.parse(renders.get("support-assistant")!.configFiles["trainer.json"]);
    expect(cfg).toMatchObject({
      adapter: "qlora",
      load_in_4bit: true,
      lora_r: 16,
      lora_target_linear: true,
      bnb_config_kwargs: { bnb_4bit_quant_type: "nf4", bnb_4bit_use_double_quant: true },
      optimizer: "paged_adamw_8bit",
      save_total_limit: 4,
      plugins: ["ftkit_trainer_plugin.FinetuneKitPlugin", "axolotl.integrations.liger.LigerPlugin"],
      early_stopping_patience: 3,
    });
    expect(cfg).toMatchObject({ sample_packing: true, pad_to_sequence_len: true, flash_attention: true, liger_fused_linear_cross_entropy: true });
  });

  it("runs multi-node torchrun over an indexed Job with a c10d rendezvous on node 0 and FSDP sharding", () => {
    const js = jobset("multi-node-full");
    const job = js.spec.replicatedJobs[0].template.spec;
    expect(job).toMatchObject({ parallelism: 2, completions: 2, completionMode: "Indexed", backoffLimit: 0 });
    expect(js.spec.network).toEqual({ enableDNSHostnames: true, publishNotReadyAddresses: true });
    const cmd: string[] = job.template.spec.containers[0].command;
    expect(cmd.slice(cmd.indexOf("--") + 1)).toEqual([
      "torchrun",
      "--nproc-per-node=8",
      "--nnodes=2",
      "--node-rank={node_rank}",
      "--rdzv-backend=c10d",
      "--rdzv-endpoint={{workflow.name}}-train-node-0-0.{{workflow.name}}-train:29500",
      "--rdzv-id={{workflow.name}}",
      "-m",
      "axolotl.cli.train",
      "{config}",
    ]);
    expect(job.template.spec.containers[0].resources.requests["nvidia.com/gpu"]).toBe("8");
    expect(JSON.parse(renders.get("multi-node-full")!.configFiles["trainer.json"]).fsdp_config).toMatchObject({
      transformer_layer_cls_to_wrap: "LlamaDecoderLayer",
      state_dict_type: "SHARDED_STATE_DICT",
    });
    expect(JSON.parse(renders.get("multi-node-full")!.configFiles["sizing.json"]).placement).toMatchObject({ nodes: 2, gpusPerNode: 8, sharding: "fsdp" });
  });
});

describe("security and access", () => {
  it("every pod meets Pod Security Standards restricted", () => {
    for (const r of renders.values()) {
      for (const { where, pod, containers } of podSpecs(r)) {
        expect(pod.securityContext, where).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        expect(pod.hostNetwork ?? pod.hostPID ?? pod.hostIPC, where).toBeUndefined();
        for (const v of pod.volumes ?? []) expect(v.hostPath, `${where} volume ${v.name}`).toBeUndefined();
        for (const c of containers) {
          expect(c.securityContext, `${where} container ${c.name}`).toMatchObject({
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
          });
          expect(c.securityContext.privileged, `${where} container ${c.name}`).toBeUndefined();
        }
      }
    }
  });

  it("the Role allows exactly JobSets, the serving Deployment and Argo's task results", () => {
    const role = renders.get("support-assistant")!.objects.find((o) => o.kind === "Role")!;
    expect((role as Obj).rules).toEqual([
      { apiGroups: ["jobset.x-k8s.io"], resources: ["jobsets"], verbs: ["create", "get"] },
      { apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] },
      { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["support-assistant-serving"], verbs: ["get", "patch"] },
    ]);
    expect((renders.get("multi-node-full")!.objects.find((o) => o.kind === "Role") as Obj).rules).toHaveLength(2);
  });

  it("the ServiceAccount carries the store's workload-identity annotations; store credentials come from its Secret", () => {
    const sa = renders.get("document-classifier")!.objects.find((o) => o.kind === "ServiceAccount")!;
    expect(sa.metadata.annotations).toEqual({ "iam.gke.io/gcp-service-account": "finetune-pipeline@acme.iam.gserviceaccount.com" });
    const train = (renders.get("support-assistant")!.trainingJobSet as Obj).spec.replicatedJobs[0].template.spec.template.spec.containers[0];
    expect(train.envFrom).toEqual([{ secretRef: { name: "finetune-store-credentials" } }]);
    expect(train.env).toContainEqual({ name: "RCLONE_CONFIG_STORE_ENDPOINT", value: "http://minio.finetune-store.svc:9000" });
    const gcsTrain = (renders.get("document-classifier")!.trainingJobSet as Obj).spec.replicatedJobs[0].template.spec.template.spec.containers[0];
    expect(gcsTrain.env).toContainEqual({ name: "RCLONE_CONFIG_STORE_TYPE", value: "google cloud storage" });
    expect(gcsTrain.envFrom).toEqual([]);
  });

  it("denies all traffic by default and allows DNS, the API server, the hub, the store, the Pushgateway and the training mesh", () => {
    const pols = renders.get("support-assistant")!.objects.filter((o) => o.kind === "NetworkPolicy") as Obj[];
    expect(pols.map((p) => p.metadata.name)).toEqual([
      "support-assistant-default-deny",
      "support-assistant-allow-dns",
      "support-assistant-allow-egress",
      "support-assistant-allow-training-mesh",
      "support-assistant-allow-serving",
      "support-assistant-allow-to-serving",
    ]);
    expect(pols[0].spec).toEqual({ podSelector: { matchLabels: { "finetune.dev/pipeline": "support-assistant" } }, policyTypes: ["Ingress", "Egress"] });
    expect(pols[2].spec.egress).toEqual([
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
        ports: [
          { protocol: "TCP", port: 443 },
          { protocol: "TCP", port: 6443 },
        ],
      },
      { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
      { to: [{ ipBlock: { cidr: "10.96.0.0/12" } }], ports: [{ protocol: "TCP", port: 9000 }] },
      { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "finetune-store" } } }], ports: [{ protocol: "TCP", port: 9000 }] },
      { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9091 }] },
    ]);
  });

  it("stage pods get every image and command override from the spec", () => {
    const s = spec({
      stages: { dataPrep: { image: "registry.internal/prep:1.0", command: ["my-prep", "--strict"] } },
      evaluation: { evaluator: { image: "registry.internal/eval:2" } },
    });
    const r = renderKubernetesPipeline({ spec: s, pool: l4Pool, store: minioStore, namespace: "ml" });
    expect(template(r, "data-prep").container).toMatchObject({ image: "registry.internal/prep:1.0", command: ["my-prep", "--strict"] });
    expect(((r.evaluationJobSet as Obj).spec.replicatedJobs[0].template.spec.template.spec.containers[0] as Obj).image).toBe("registry.internal/eval:2");
  });
});

describe("schedules", () => {
  it("a CronWorkflow runs the whole pipeline on schedule and another runs the monitoring probe", () => {
    const [sched, monitor] = renders.get("support-assistant")!.cronWorkflows as K8sObject[] as Obj[];
    expect(sched.metadata.name).toBe("support-assistant");
    expect(sched.spec).toMatchObject({
      schedules: ["0 3 * * 1"],
      timezone: "UTC",
      concurrencyPolicy: "Forbid",
      workflowSpec: { workflowTemplateRef: { name: "support-assistant" } },
    });
    expect(monitor.metadata.name).toBe("support-assistant-monitor");
    expect(monitor.spec.schedules).toEqual(["0 */6 * * *"]);
    const probe = monitor.spec.workflowSpec.templates[0].container;
    expect(probe.command).toEqual([
      "python3",
      "/scripts/evaluate.py",
      "probe",
      "--eval-file",
      "s3://finetune/registry/support-assistant/probe.jsonl",
      "--endpoint",
      "http://support-assistant-serving.finetune.svc:8000/v1",
      "--model",
      "support-assistant",
      "--metrics",
      "chrf,exact_match",
      "--limit",
      "50",
      "--min-score",
      "0.4",
      "--max-latency",
      "8",
      "--out",
      "s3://finetune/runs/support-assistant/monitoring/{{workflow.name}}/probe.json",
    ]);
    expect(probe.env).toContainEqual({ name: "FTKIT_PUSHGATEWAY_URL", value: "http://prometheus-pushgateway.monitoring.svc:9091" });
    expect(probe.env.map((e: Obj) => e.name)).not.toContain("PUSHGATEWAY_URL");
    expect(renders.get("document-classifier")!.cronWorkflows.map((c) => c.metadata.name)).toEqual(["doc-classifier-monitor"]);
  });
});
