import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import {
  GpuSmokeTest,
  NCCL_SMOKE_FAIL_JOB_EXIT_CODES,
  ncclSmokeDefault,
  ncclSmokeScript,
  ncclThresholdForPool,
} from "../../components/cuda-driver-stack/smoke-test";
import type { DriverStackContract } from "../../core/contracts/driver-stack";
import type { GpuPoolContract, PoolInterconnect } from "../../core/contracts/gpu-pool";
import { buildPoolContract, existingNodesPoolContract } from "../../components/gpu-node-pool/pool-contract";
import { GPU_TOLERATION } from "../../components/gpu-node-pool/labels";
import { GPU_STACK_IMAGES } from "../../core/versions";
import {
  INTERCONNECT_KINDS,
  NCCL_CALIBRATION,
  NCCL_SOURCES,
  NCCL_THRESHOLDS,
  ncclBusBwThresholdGBps,
  ncclThresholdTableProblems,
} from "../../core/nccl-thresholds";
import { manifestsOf, runWithMocks } from "../harness";
import { expectValidManifests } from "../validators/kubernetes";
import { constructionError, problemLines } from "../gpu-node-pool/helpers";
import { runWithMocks as runPlanMocks } from "../../plan/mock-engine";
import { runPolicies } from "../../policy/engine";

const SMOKE_DIR = path.join(__dirname, "..", "..", "components", "cuda-driver-stack", "smoke");
const SCRIPT = path.join(SMOKE_DIR, "nccl_allreduce.py");
const PYTHON = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();

/** Runs python code with the launcher importable as `m`; returns parsed JSON of its last stdout line. */
function py(code: string): unknown {
  const r = spawnSync(PYTHON, ["-c", `import sys, json; sys.path.insert(0, ${JSON.stringify(SMOKE_DIR)}); import nccl_allreduce as m\n${code}`], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

function runLauncher(args: string[], env: Record<string, string>) {
  return spawnSync(PYTHON, [SCRIPT, ...args], { env: { PATH: path.dirname(PYTHON), HOME: os.tmpdir(), ...env }, encoding: "utf8", timeout: 60_000 });
}

describe("nccl_allreduce.py: parse, rank and threshold logic (python3, no torch)", () => {
  it("computes algbw and busbw as nccl-tests does (busbw = algbw × 2(n−1)/n)", () => {
    // 1 GiB in 10 ms over 16 ranks: algbw 107.374 GB/s, busbw × 30/16
    expect(py("print(json.dumps(m.bus_bandwidth(1 << 30, 0.01, 16)))")).toEqual([107.3741824, 201.326592]);
    // nccl-tests' own numbers from NVIDIA/nccl#527 (2 × p4d, 1 GiB, 35215 µs, 16 ranks): algbw 30.49, busbw 57.17
    const [alg, bus] = py("print(json.dumps(m.bus_bandwidth(1073741824, 0.035215, 16)))") as number[];
    expect(alg.toFixed(2)).toBe("30.49");
    expect(bus.toFixed(2)).toBe("57.17");
  });

  it("passes at the mark, fails below it with exit 6, and fails a wrong sum with exit 4", () => {
    const base = "{'size_bytes': 1073741824, 'iters': 20, 'seconds': 0.2, 'world': 16, 'correct': True, 'nccl_version': '2.27.5'}";
    const ok = py(`c, lines, s = m.evaluate(${base}, 201.3, 'efa'); print(json.dumps([c, lines, s['status'], s['busbw_gbps']]))`);
    expect(ok).toEqual([
      0,
      ["all-reduce: 1073741824 B x20 over 16 GPUs (efa; NCCL 2.27.5)", "algbw 107.37 GB/s, busbw 201.33 GB/s (1610.6 Gbit/s); pass mark 201.30 GB/s"],
      "ok",
      201.33,
    ]);
    const below = py(`c, lines, s = m.evaluate(${base}, 250, 'efa'); print(json.dumps([c, lines[-1], s['status']]))`);
    expect(below).toEqual([6, "BELOW THRESHOLD: busbw 201.33 GB/s < 250.00 GB/s", "below-threshold"]);
    const wrong = py(`r = ${base}; r['correct'] = False; c, lines, s = m.evaluate(r, 1, 'none'); print(json.dumps([c, s['status']]))`);
    expect(wrong).toEqual([4, "wrong-sum"]);
  });

  it("derives ranks from the completion index and refuses a missing or out-of-range one", () => {
    expect(
      py(
        "e = m.worker_env({'MASTER_ADDR': 'j-0.j', 'MASTER_PORT': '29500'}, 1, 3, 8, 2); print(json.dumps([e['RANK'], e['LOCAL_RANK'], e['WORLD_SIZE'], e['LOCAL_WORLD_SIZE']]))",
      ),
    ).toEqual(["11", "3", "16", "8"]);
    expect(py("print(json.dumps(m.node_rank({'JOB_COMPLETION_INDEX': '1'}, 2)))")).toBe(1);
    expect(py("\ntry:\n    m.node_rank({'JOB_COMPLETION_INDEX': '2'}, 2)\nexcept m.UsageError as e:\n    print(json.dumps(str(e)))")).toBe(
      "JOB_COMPLETION_INDEX 2 is outside 0..1 (--nodes 2)",
    );
    expect(py("\ntry:\n    m.worker_env({'MASTER_PORT': '1'}, 0, 0, 1, 2)\nexcept m.UsageError as e:\n    print(json.dumps(str(e)))")).toBe(
      "MASTER_ADDR is not set: the pod must name node 0 (the Job's pod 0 through its headless Service)",
    );
  });

  it("combines worker exit codes: a definite failure wins, any other failure is retryable (7)", () => {
    expect(py("print(json.dumps([m.combine([0, 0]), m.combine([0, 3, 7]), m.combine([1, 0]), m.combine([-9, 5])]))")).toEqual([0, 3, 7, 5]);
  });

  it("end to end without torch: the launcher spawns its workers (argv only), which report 'no torch' with exit 5", () => {
    expect(spawnSync(PYTHON, ["-c", "import torch"]).status, "torch must not be installed for this test").not.toBe(0);
    const r = runLauncher(["--nodes", "2", "--gpus-per-node", "2", "--min-busbw-gbps", "1"], {
      JOB_COMPLETION_INDEX: "0",
      MASTER_ADDR: "nccl-smoke-x-0.nccl-smoke-x",
      MASTER_PORT: "29500",
    });
    expect(r.status).toBe(5);
    expect(r.stdout).toContain("node 0 of 2: starting 2 workers (ranks 0..1), rendezvous nccl-smoke-x-0.nccl-smoke-x:29500");
    expect(r.stderr.split("\n").filter((l) => l.startsWith("PyTorch is not installed"))).toHaveLength(2);
    const last = r.stdout.trim().split("\n").pop()!;
    expect(JSON.parse(last.slice("NCCL_SMOKE_RESULT ".length))).toEqual({ node: 0, status: "worker-failed", exit_code: 5, interconnect: "none" });
  });

  it("exits 64 outside an Indexed Job, and argparse rejects a zero GPU count", () => {
    const r = runLauncher(["--nodes", "2", "--gpus-per-node", "1", "--min-busbw-gbps", "1"], {});
    expect(r.status).toBe(64);
    expect(r.stderr).toBe("nccl_allreduce.py: JOB_COMPLETION_INDEX is None: run this in an Indexed Job (completionMode: Indexed)\n");
    const z = runLauncher(["--nodes", "2", "--gpus-per-node", "0", "--min-busbw-gbps", "1"], {});
    expect(z.status).toBe(2);
    expect(z.stderr).toContain("--gpus-per-node must be at least 1");
  });
});

describe("NCCL busbw thresholds (core/nccl-thresholds.ts)", () => {
  const header = fs.readFileSync(path.join(__dirname, "..", "..", "core", "nccl-thresholds.ts"), "utf8").split("*/")[0];

  it("covers every interconnect kind, each row naming defined sources, and no row above a published measurement", () => {
    expect(Object.keys(NCCL_THRESHOLDS).sort()).toEqual([...INTERCONNECT_KINDS].sort());
    expect(ncclThresholdTableProblems(NCCL_THRESHOLDS)).toEqual([]);
    for (const key of NCCL_SOURCES) expect(header).toContain(`[${key}]`);
    // the calibration rows are the figures the header quotes
    expect(header).toContain("busbw 57.17 GB/s");
    expect(header).toContain("busbw about 4.7 GB/s");
    expect(NCCL_CALIBRATION.map((c) => [c.interconnect, +((c.busbwGBps * 8) / c.nominalGbps).toFixed(3)])).toEqual([
      ["efa", 1.143],
      ["none", 0.376],
    ]);
  });

  it("catches planted faults: a missing kind, an unknown source, an unsourced guess, a fraction above the measurement", () => {
    const { efa: _efa, ...noEfa } = NCCL_THRESHOLDS;
    expect(ncclThresholdTableProblems(noEfa)).toEqual(["efa: no threshold row"]);
    expect(() => ncclBusBwThresholdGBps("efa", 3200, noEfa)).toThrow(
      'no NCCL all-reduce threshold for interconnect "efa" (add a row to NCCL_THRESHOLDS in core/nccl-thresholds.ts)',
    );
    expect(
      ncclThresholdTableProblems({
        ...NCCL_THRESHOLDS,
        tcpxo: { ...NCCL_THRESHOLDS.tcpxo, source: "blog", assumption: undefined },
        none: { ...NCCL_THRESHOLDS.none, fractionOfNominal: 0.5 },
      }),
    ).toEqual([
      "none: fraction 0.5 is above the 0.376 that NCCL-398 measured (a healthy pair would fail)",
      'tcpxo: source "blog" is not one of NCCL-527, NCCL-398, NCCLT-22',
      "tcpxo: no published two-node figure and no assumption",
    ]);
  });

  it("pass marks in GB/s: fabric rows use the machine's nominal figure, socket rows their fallback", () => {
    expect(ncclBusBwThresholdGBps("efa", 3200)).toBe(200); // p5.48xlarge: 0.5 × 3200 / 8
    expect(ncclBusBwThresholdGBps("efa", 400)).toBe(25); // p4d: 0.5 × 400 / 8, under the 57.17 measured
    expect(ncclBusBwThresholdGBps("efa")).toBe(6.25); // unknown machine: 100 Gbps fallback
    expect(ncclBusBwThresholdGBps("tcpxo", 1600)).toBe(3.75); // sockets over the 200 Gbps primary gVNIC, not the 1600 Gbps GPU NICs
    expect(ncclBusBwThresholdGBps("none")).toBe(0.47);
  });
});

describe("GpuSmokeTest: the two-node NCCL test", () => {
  const driver: DriverStackContract = {
    mode: "gpu-operator",
    driverVersion: "580.105.08",
    maxCudaVersion: "13.0",
    dcgmExporter: true,
    runtimeClassName: "nvidia",
  };
  const ic = (kind: PoolInterconnect["kind"], devicesPerNode: number, resourceName?: string): PoolInterconnect => ({
    kind,
    offered: kind,
    devicesPerNode,
    compactPlacement: true,
    ...(resourceName ? { resourceName } : {}),
  });
  const efaPool = (): GpuPoolContract => ({
    ...buildPoolContract({
      name: "p5",
      platform: "karpenter",
      gpuType: "h100",
      gpusPerNode: 8,
      capacityTypes: ["spot"],
      maxNodes: 4,
      nodeSelector: { "finetune.dev/pool": "p5" },
      tolerations: [GPU_TOLERATION],
      karpenter: true,
      instanceType: "p5.48xlarge",
      localQueueName: "p5",
    }),
    interconnect: ic("efa", 32, "vpc.amazonaws.com/efa"),
  });
  const tcpxoPool = (): GpuPoolContract => ({
    ...buildPoolContract({
      name: "a3mega",
      platform: "gke",
      gpuType: "h100",
      gpusPerNode: 8,
      capacityTypes: ["spot"],
      maxNodes: 2,
      nodeSelector: { "cloud.google.com/gke-nodepool": "a3mega" },
      tolerations: [GPU_TOLERATION],
      instanceType: "a3-megagpu-8g",
    }),
    interconnect: ic("tcpxo", 8),
  });
  const tcpPool = (): GpuPoolContract => ({ ...existingNodesPoolContract({ name: "l4", gpuType: "l4", gpusPerNode: 2, maxNodes: 2 }), localQueueName: "l4" });

  async function render(pool: GpuPoolContract, extra: { ncclTest?: boolean; ncclImage?: string } = {}) {
    const { resources } = await runWithMocks(() => new GpuSmokeTest("smoke", { pool, driver, namespace: "finetune", ...extra }));
    return { resources, objs: manifestsOf(resources) as any[] };
  }
  const ncclObjs = (objs: any[]) => objs.filter((o) => o.metadata.labels?.["app.kubernetes.io/name"] === "gpu-nccl-smoke-test");

  it("on by default only for pools that reach two nodes and have an interconnect", () => {
    expect(ncclSmokeDefault(efaPool())).toBe(true);
    expect(ncclSmokeDefault(tcpxoPool())).toBe(true);
    expect(ncclSmokeDefault(tcpPool())).toBe(false);
    expect(ncclSmokeDefault({ ...efaPool(), maxNodes: 1 })).toBe(false);
  });

  it.each([
    [
      "efa",
      efaPool,
      {
        extra: { "vpc.amazonaws.com/efa": "32" },
        image: `${GPU_STACK_IMAGES.ncclSmokeEfa.repository}:${GPU_STACK_IMAGES.ncclSmokeEfa.tag}`,
        mark: "200",
        fi: true,
      },
    ],
    ["tcpxo", tcpxoPool, { extra: {}, image: `${GPU_STACK_IMAGES.gpuSmokeTest.repository}:${GPU_STACK_IMAGES.gpuSmokeTest.tag}`, mark: "3.75", fi: false }],
    ["none", tcpPool, { extra: {}, image: `${GPU_STACK_IMAGES.gpuSmokeTest.repository}:${GPU_STACK_IMAGES.gpuSmokeTest.tag}`, mark: "0.47", fi: false }],
  ] as const)("%s: headless Service + Indexed Job of 2 pods + NetworkPolicies, schema-valid, restricted, argv only", async (kind, mk, want) => {
    const pool = mk();
    const { resources, objs } = await render(pool, kind === "none" ? { ncclTest: true } : {});
    expectValidManifests(objs);
    const nccl = ncclObjs(objs);
    expect(nccl.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        `ConfigMap/nccl-smoke-${pool.name}-script`,
        `Job/nccl-smoke-${pool.name}`,
        `NetworkPolicy/nccl-smoke-${pool.name}-dns`,
        `NetworkPolicy/nccl-smoke-${pool.name}-mesh`,
        `Service/nccl-smoke-${pool.name}`,
      ].sort(),
    );
    const name = `nccl-smoke-${pool.name}`;
    const svc = nccl.find((o) => o.kind === "Service");
    expect(svc.spec).toEqual({
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: { "app.kubernetes.io/name": "gpu-nccl-smoke-test", "finetune.dev/pool": pool.name },
      ports: [{ name: "rendezvous", port: 29500, targetPort: 29500, protocol: "TCP" }],
    });
    const job = nccl.find((o) => o.kind === "Job");
    expect(job.spec).toMatchObject({ completionMode: "Indexed", completions: 2, parallelism: 2, backoffLimit: 1, activeDeadlineSeconds: 1800 });
    expect(job.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    expect(job.spec.podFailurePolicy.rules[1]).toEqual({
      action: "FailJob",
      onExitCodes: { containerName: "nccl", operator: "In", values: [...NCCL_SMOKE_FAIL_JOB_EXIT_CODES] },
    });
    const pod = job.spec.template.spec;
    // the Service selects the Job's pods, and pod 0 answers at <job>-0.<service>
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(job.spec.template.metadata.labels[k]).toBe(v);
    expect(pod.subdomain).toBe(svc.metadata.name);
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { labelSelector: { matchLabels: svc.spec.selector }, topologyKey: "kubernetes.io/hostname" },
    ]);
    expect(pod.nodeSelector).toEqual(pool.nodeSelector);
    expect(pod.tolerations).toEqual([GPU_TOLERATION]);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      fsGroup: 65534,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.hostNetwork ?? pod.hostPID ?? pod.hostIPC).toBeUndefined();
    expect(pod.volumes.some((v: any) => v.hostPath)).toBe(false);
    expect(pod.volumes.find((v: any) => v.name === "dshm")).toEqual({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "8Gi" } });
    const c = pod.containers[0];
    expect(c.image).toBe(want.image);
    expect(c.command).toEqual(["python3", "/opt/finetune-smoke/nccl_allreduce.py"]);
    expect(c.args).toEqual(["--nodes", "2", "--gpus-per-node", String(pool.gpusPerNode), "--min-busbw-gbps", want.mark, "--interconnect", kind]);
    // no shell anywhere: argv is the interpreter, the script and flags
    expect([...c.command, ...c.args].some((a: string) => /^(sh|bash|\/bin\/sh|\/bin\/bash|-c)$/.test(a))).toBe(false);
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    expect(env.MASTER_ADDR).toBe(`${name}-0.${name}`);
    expect(env.MASTER_PORT).toBe("29500");
    expect(env.FI_PROVIDER).toBe(want.fi ? "efa" : undefined);
    const gpus = { "nvidia.com/gpu": String(pool.gpusPerNode), ...want.extra };
    const mem = 8 + 4 * pool.gpusPerNode;
    expect(c.resources).toEqual({
      requests: { cpu: String(Math.max(2, 2 * pool.gpusPerNode)), memory: `${mem}Gi`, ...gpus },
      limits: { memory: `${mem + 8}Gi`, ...gpus },
    });
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.volumeMounts).toContainEqual({ name: "dshm", mountPath: "/dev/shm" });
    // the pair may talk to itself and to DNS through the namespace's default-deny; nothing else
    const mesh = nccl.find((o) => o.metadata.name === `${name}-mesh`);
    expect(mesh.spec).toEqual({
      podSelector: { matchLabels: svc.spec.selector },
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: { matchLabels: svc.spec.selector } }] }],
      egress: [{ to: [{ podSelector: { matchLabels: svc.spec.selector } }] }],
    });
    const cm = nccl.find((o) => o.kind === "ConfigMap");
    expect(cm.data).toEqual({ "nccl_allreduce.py": ncclSmokeScript() });
    expect(pod.volumes[0]).toEqual({ name: "script", configMap: { name: cm.metadata.name, defaultMode: 0o444 } });
    // the Job waits for its script, Service and policies
    const jobRes = resources.find((r) => r.type === "kubernetes:batch/v1:Job" && r.name === "smoke-nccl-job")!;
    expect(jobRes.dependsOn).toHaveLength(4);
    expect(ncclThresholdForPool(pool)).toBe(Number(want.mark));
    // Kueue admits the pair as one workload on the pool's queue (when it has one)
    expect(job.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe(pool.localQueueName);
  });

  it("passes the kit's policy pack (PSS restricted, GPU resources, no hostPath) on every interconnect", async () => {
    for (const pool of [efaPool(), tcpxoPool(), { ...tcpPool(), maxNodes: 2 }]) {
      const { resources } = await runPlanMocks(() => {
        // the pipeline namespace's default-deny, as the stack creates it (the smoke pods then need their own allow rules)
        new k8s.networking.v1.NetworkPolicy("deny", {
          metadata: { name: "default-deny-all", namespace: "finetune" },
          spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        });
        new GpuSmokeTest("smoke", { pool, driver, namespace: "finetune", ncclTest: true });
      });
      const found = runPolicies(resources, { "pulumi:project": "finetune", "pulumi:stack": "dev" }).map(
        (v) => `${v.enforcementLevel} ${v.policy}: ${v.message}`,
      );
      expect(found, pool.name).toEqual([]);
    }
  });

  it("off by default on a pool without an interconnect: only the single-node smoke test", async () => {
    const { objs } = await render(tcpPool());
    expect(objs.map((o) => o.kind).sort()).toEqual(["ConfigMap", "Job"]);
    expect(ncclObjs(objs)).toEqual([]);
  });

  it("rejects a single-node pool and an EFA image newer than the driver's CUDA, all at once", async () => {
    const e = await constructionError(
      () =>
        new GpuSmokeTest("s", {
          pool: { ...efaPool(), maxNodes: 1 },
          driver: { ...driver, driverVersion: "570.195.03", maxCudaVersion: "12.8" },
          namespace: "ml",
          ncclTest: true,
        }),
    );
    expect(problemLines(e)).toEqual([
      "ncclTest: pool p5 may grow to 1 node(s); the NCCL test needs 2 (raise the pool's maxNodes or set ncclTest: false)",
      "ncclTest: the EFA NCCL image (public.ecr.aws/deep-learning-containers/pytorch:2.11-cu130-amzn2023) needs CUDA 13.0; driver 570.195.03 runs CUDA <= 12.8 (use an R580+ driver or set ncclImage to an EFA image built for your CUDA)",
    ]);
    // a caller's own image lifts the CUDA check
    const { objs } = await render(efaPool(), { ncclImage: "registry.example.com/nccl:cu128" });
    expect(ncclObjs(objs).find((o) => o.kind === "Job").spec.template.spec.containers[0].image).toBe("registry.example.com/nccl:cu128");
  });
});
