/**
 * Issue 11: each class of careless input that used to be accepted (or crash) is a keyed config error with its fix.
 * Every case starts from a stack's example config, changes one thing and asserts the exact problem lines.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { cronProblems } from "../../pipelines/cron";
import { metricRange } from "../../pipelines/validate";
import { stackConfigPath } from "../../plan/stack-config";
import { ConfigError, keyOf, readableMessage } from "../../stacks/config/errors";
import { parseKitConfig, stackTargetProblems } from "../../stacks/config/load";
import { cidrsOverlap } from "../../stacks/config/platform";
import { SECRET_KEYS } from "../../stacks/config/schema";
import { configErrorOf } from "../../stacks/main";
import { configProblems } from "../config-problems";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A stack's example config as parseKitConfig takes it (no namespace, no secrets), deep-copied. */
function example(stack: string): Raw {
  const config = (parse(fs.readFileSync(stackConfigPath(stack), "utf8")) as { config: Raw }).config;
  const raw: Raw = {};
  for (const [k, v] of Object.entries(config)) {
    const key = k.replace(/^finetune:/, "");
    if (!(SECRET_KEYS as readonly string[]).includes(key)) raw[key] = structuredClone(v);
  }
  return raw;
}

const CRON_FIX =
  '(write minute hour day-of-month month day-of-week with minute 0-59, hour 0-23, day 1-31, month 1-12 or JAN-DEC, weekday 0-6 or SUN-SAT, e.g. "0 3 * * 1" for Mondays 03:00 UTC)';

describe("cron expressions (pipelines/cron.ts)", () => {
  it.each(["0 3 * * 1", "*/15 * * * *", "0 0-23/2 * * MON-FRI", "30 4 1,15 JAN,jul ?", "0 */6 * * *", "59 23 31 12 6", "5,10-20/5 1 * * SUN"])(
    "accepts %s",
    (expr) => {
      expect(cronProblems(expr)).toEqual([]);
    },
  );

  it.each([
    ["0 24 * * 1", ["hour value 24 is outside 0-23"]],
    ["60 * * * *", ["minute value 60 is outside 0-59"]],
    ["0 0 0 * *", ["day-of-month value 0 is outside 1-31"]],
    ["0 0 * 13 *", ["month value 13 is outside 1-12"]],
    ["0 0 * * 7", ["day-of-week value 7 is outside 0-6"]],
    ["0 0 * * MON-FOO", ['day-of-week value "FOO" is neither a number 0-6 nor one of SUN, MON, TUE, WED, THU, FRI, SAT']],
    ["*/0 * * * *", ['minute step "0" is not a whole number ≥ 1']],
    ["0 5-1 * * *", ['hour range "5-1" runs backwards']],
    ["0 1,,2 * * *", ['hour field "1,,2" has an empty list element']],
    ["? * * * *", ["'?' is only allowed in the day-of-month and day-of-week fields, not in minute"]],
    ["0 3 * *", ["has 4 fields, not 5"]],
    ["0 JAN * * *", ['hour value "JAN" is not a number 0-23']],
  ])("rejects %s", (expr, expected) => {
    expect(cronProblems(expr)).toEqual(expected);
  });

  it("pipeline schedule and monitoring.schedule are checked, each with the fix", () => {
    const cfg = example("gcp");
    cfg.pipelines[0].schedule = "0 24 * * 1";
    cfg.pipelines[1].monitoring = { schedule: "0 */6 * 13 *" };
    expect(configProblems(cfg)).toEqual([
      `finetune:pipelines[0].schedule: "0 24 * * 1" is not a valid cron expression: hour value 24 is outside 0-23 ${CRON_FIX}`,
      `finetune:pipelines[1].monitoring.schedule: "0 */6 * 13 *" is not a valid cron expression: month value 13 is outside 1-12 ${CRON_FIX}`,
    ]);
  });

  it("an expression without the 5-field shape is reported once, by the spec schema", () => {
    const cfg = example("gcp");
    cfg.pipelines[0].schedule = "0 3 * *";
    expect(configProblems(cfg)).toEqual([
      'finetune:pipelines[0].schedule: "0 3 * *" is not a 5-field cron expression (write minute hour day-of-month month day-of-week, e.g. "0 3 * * 1" for Mondays 03:00 UTC)',
    ]);
  });

  it("aws-sagemaker: EventBridge cannot restrict both day fields", () => {
    const cfg = example("aws-sagemaker");
    cfg.pipelines[0].schedule = "0 3 1 * MON";
    expect(configProblems(cfg)).toEqual([
      'finetune:pipelines[0].schedule: "0 3 1 * MON" restricts both day-of-month and day-of-week, which EventBridge Scheduler cannot express (set one of the two day fields to *)',
    ]);
  });
});

describe("dataset URI scheme per target and store", () => {
  it("gs:// on aws-sagemaker", () => {
    const cfg = example("aws-sagemaker");
    cfg.pipelines[0].dataset.uri = "gs://acme-data/datasets/x.jsonl";
    expect(configProblems(cfg)).toEqual([
      'finetune:pipelines[0].dataset.uri: "gs://acme-data/datasets/x.jsonl" uses gs:// but target aws-sagemaker reads datasets from the stack\'s S3 bucket (upload the file there and use its s3:// URI)',
    ]);
  });

  it("s3:// on gcp, also for testUri", () => {
    const cfg = example("gcp");
    cfg.pipelines[0].dataset.uri = "s3://acme-data/datasets/x.jsonl";
    cfg.pipelines[0].dataset.testUri = "s3://acme-data/datasets/test.jsonl";
    cfg.pipelines[0].dataset.split = { train: 0.95, validation: 0.05, test: 0 };
    expect(configProblems(cfg)).toEqual([
      'finetune:pipelines[0].dataset.testUri: "s3://acme-data/datasets/test.jsonl" uses s3:// but target gcp reads datasets from the stack\'s Cloud Storage bucket (upload the file there and use its gs:// URI)',
      'finetune:pipelines[0].dataset.uri: "s3://acme-data/datasets/x.jsonl" uses s3:// but target gcp reads datasets from the stack\'s Cloud Storage bucket (upload the file there and use its gs:// URI)',
    ]);
  });

  it("kubernetes: s3:// is fine (MinIO or your own store), gs:// is not", () => {
    const cfg = example("kubernetes");
    expect(cfg.pipelines[0].dataset.uri).toMatch(/^s3:\/\//);
    expect(() => parseKitConfig(cfg)).not.toThrow();
    cfg.pipelines[0].dataset.uri = "gs://acme-data/x.jsonl";
    expect(configProblems(cfg)).toEqual([
      'finetune:pipelines[0].dataset.uri: "gs://acme-data/x.jsonl" uses gs:// but target kubernetes reads datasets from the S3-compatible store (MinIO or your own) (upload the file there and use its s3:// URI)',
    ]);
  });
});

describe("GCP and AWS places", () => {
  it("GKE zones belong to the region", () => {
    const cfg = example("gcp");
    cfg.gcp.zones = ["us-central1-a", "us-east1-b", "uscentral"];
    expect(configProblems(cfg)).toEqual([
      'finetune:gcp.zones[1]: "us-east1-b" is in region us-east1, not in finetune:gcp.region us-central1 (use a zone of us-central1 such as us-central1-a, or change the region)',
      'finetune:gcp.zones[2]: "uscentral" is not a GCP zone (use a zone of us-central1 such as us-central1-a: gcloud compute zones list --filter=region:us-central1)',
    ]);
  });

  it("a zone given as the region names the region to use (gcp and aws)", () => {
    const g = example("gcp");
    g.gcp.region = "us-central1-a";
    expect(configProblems(g)).toEqual([
      'finetune:gcp.region: "us-central1-a" is a zone, not a region (use its region "us-central1"; list zones in finetune:gcp.zones)',
    ]);
    const a = example("aws-sagemaker");
    a.aws.region = "us-east-1a";
    expect(configProblems(a)).toEqual([
      'finetune:aws.region: "us-east-1a" is an availability zone, not a region (use its region "us-east-1"; the stack spreads subnets over aws.availabilityZones zones)',
    ]);
  });
});

describe("CIDR overlaps among subnet, pods, services and control plane", () => {
  it("overlap arithmetic", () => {
    expect(cidrsOverlap("10.40.0.0/20", "10.48.0.0/14")).toBe(false);
    expect(cidrsOverlap("10.48.0.0/20", "10.48.0.0/14")).toBe(true);
    expect(cidrsOverlap("10.51.255.0/24", "10.48.0.0/14")).toBe(true);
    expect(cidrsOverlap("10.52.0.0/24", "10.48.0.0/14")).toBe(false);
    expect(cidrsOverlap("172.16.0.32/28", "172.16.0.40/29")).toBe(true);
  });

  it("a GKE subnet inside the pod range and a control plane inside the subnet", () => {
    const cfg = example("gcp");
    cfg.gcp.cluster.subnetCidr = "10.50.0.0/20";
    cfg.gcp.cluster.masterCidr = "10.50.1.0/28";
    expect(configProblems(cfg)).toEqual([
      "finetune:gcp.cluster.masterCidr: 10.50.1.0/28 overlaps the subnet 10.50.0.0/20 (choose a range that overlaps none of 10.50.0.0/20, 10.48.0.0/14, 10.52.0.0/20)",
      "finetune:gcp.cluster.masterCidr: 10.50.1.0/28 overlaps the pod range 10.48.0.0/14 (choose a range that overlaps none of 10.50.0.0/20, 10.48.0.0/14, 10.52.0.0/20)",
      "finetune:gcp.cluster.subnetCidr: 10.50.0.0/20 overlaps the pod range 10.48.0.0/14 (choose a range that overlaps none of 10.48.0.0/14, 10.52.0.0/20, 10.50.1.0/28)",
    ]);
  });

  it("the service range, and no check for an existing cluster (it keeps its own network)", () => {
    const cfg = example("gcp");
    cfg.gcp.cluster.subnetCidr = "10.52.0.0/22";
    expect(configProblems(cfg)).toEqual([
      "finetune:gcp.cluster.subnetCidr: 10.52.0.0/22 overlaps the service range 10.52.0.0/20 (choose a range that overlaps none of 10.48.0.0/14, 10.52.0.0/20, 172.16.0.32/28)",
    ]);
    cfg.gcp.cluster.create = false;
    expect(() => parseKitConfig(cfg)).not.toThrow();
  });
});

describe("pipeline timing and gate thresholds", () => {
  it("a checkpoint interval not shorter than the maximum runtime", () => {
    const cfg = example("kubernetes");
    cfg.pipelines[0].checkpointing = { intervalMinutes: 90 };
    cfg.pipelines[0].compute.maxRuntimeHours = 1;
    expect(configProblems(cfg)).toEqual([
      "finetune:pipelines[0].checkpointing.intervalMinutes: is 90 min, not shorter than compute.maxRuntimeHours (60 min), so no checkpoint is written before the run is stopped (lower it below 60, e.g. 10)",
    ]);
  });

  it("metric ranges: task metrics (chrf included) and lm-eval accuracies in [0, 1], perplexity ≥ 1", () => {
    expect(metricRange("task", "chrf")).toEqual({ min: 0, max: 1 });
    expect(metricRange("general", "mmlu/acc")).toEqual({ min: 0, max: 1 });
    expect(metricRange("safety", "truthfulqa_mc2/mc2")).toEqual({ min: 0, max: 1 });
    expect(metricRange("general", "hellaswag/acc_norm,none")).toEqual({ min: 0, max: 1 });
    expect(metricRange("general", "wikitext/word_perplexity")).toEqual({ min: 1, max: Infinity });
    expect(metricRange("general", "custom/score")).toBeUndefined();
  });

  it("a threshold of 45 on a [0, 1] metric, a max below its range and one that never rejects", () => {
    const cfg = example("gcp");
    const t = cfg.pipelines[0].evaluation.thresholds;
    t[0].min = 45; // task chrf
    t[1].min = 60; // general mmlu/acc
    t[2] = { suite: "safety", metric: "truthfulqa_mc2/acc", max: -0.5 };
    t[3] = { suite: "safety", metric: "toxigen/acc", min: 0.5, max: 3 };
    expect(configProblems(cfg)).toEqual([
      "finetune:pipelines[0].evaluation.thresholds[0].min: is 45 but task/chrf lies in [0, 1], so the gate can never pass (set a min in [0, 1]; for 45 % write 0.45)",
      "finetune:pipelines[0].evaluation.thresholds[1].min: is 60 but general/mmlu/acc lies in [0, 1], so the gate can never pass (set a min in [0, 1]; for 60 % write 0.6)",
      "finetune:pipelines[0].evaluation.thresholds[2].max: is -0.5 but safety/truthfulqa_mc2/acc lies in [0, 1], so the gate can never pass (set a max in [0, 1])",
      "finetune:pipelines[0].evaluation.thresholds[3].max: is 3 but safety/toxigen/acc lies in [0, 1], so the bound never rejects a model (set a max in [0, 1]; for 3 % write 0.03)",
    ]);
  });
});

describe("names that become cloud or Kubernetes names", () => {
  it("GKE cluster name and gcp.namespace are caught in config, not in a component", () => {
    const cfg = example("gcp");
    cfg.gcp.cluster.name = "Fine_Tune";
    cfg.gcp.namespace = "Fine_Tune";
    expect(configProblems(cfg)).toEqual([
      "finetune:gcp.cluster.name: \"Fine_Tune\" is not a GKE cluster name (use 1-40 lowercase letters, digits or '-', starting with a letter and not ending with '-')",
      "finetune:gcp.namespace: \"Fine_Tune\" is not a Kubernetes namespace name (use a DNS-1123 label: lowercase letters, digits and '-', e.g. fine-tune)",
    ]);
    cfg.gcp.cluster.name = `a${"b".repeat(40)}`;
    cfg.gcp.namespace = "fine-tune";
    expect(configProblems(cfg)).toEqual([
      `finetune:gcp.cluster.name: "a${"b".repeat(40)}" is not a GKE cluster name (use 1-40 lowercase letters, digits or '-', starting with a letter and not ending with '-')`,
    ]);
  });
});

describe("the stack and finetune:target agree", () => {
  it("a stack named after another target is refused; other stack names run any target", () => {
    expect(stackTargetProblems("gcp", "kubernetes")).toEqual([
      {
        path: "finetune:target",
        message: 'is "kubernetes" but the stack is "gcp" (use the gcp stack\'s config, e.g. stacks/Pulumi.gcp.yaml, or select the stack "kubernetes")',
      },
    ]);
    expect(stackTargetProblems("gcp", "gcp")).toEqual([]);
    expect(stackTargetProblems("prod-eu", "kubernetes")).toEqual([]);
    expect(stackTargetProblems("gcp", 42)).toEqual([]);
  });
});

describe("messages a terminal can show", () => {
  it("a 5 MB value is cut to 80 characters + …, and the fix part survives", () => {
    const huge = "x".repeat(5_000_000);
    const lines = configProblems({ target: "gcp", gcp: { project: "my-proj-123", region: huge } });
    expect(lines).toEqual([`finetune:gcp.region: "${"x".repeat(80)}…" is not a GCP region (use a region such as us-central1: gcloud compute regions list)`]);
  });

  it("non-printable text is escaped, never echoed raw", () => {
    const lines = configProblems({ target: "kubernetes", kubernetes: { context: "c", namespace: "a\u001b[2J\u0000\nb" } });
    expect(lines).toEqual(["finetune:kubernetes.namespace: \"a\\u001b[2J\\u0000\\nb\" must be a DNS-1123 label (lowercase letters, digits, '-')"]);
  });

  it("a key the user typed with ':' or spaces is quoted, so every line stays `finetune:<key>: …`", () => {
    expect(keyOf(["gcp", "a:b c"])).toBe('finetune:gcp["a\\u003ab c"]');
    const lines = configProblems({ target: "kubernetes", kubernetes: { context: "c", "x:y": 1 } });
    expect(lines).toEqual(['finetune:kubernetes["x\\u003ay"]: unknown key (remove it; known keys: context, kubeconfigPath, namespace, modelCache)']);
  });

  it("a long what-part is capped before its fix", () => {
    const m = readableMessage(`${"word ".repeat(200)}(do this)`);
    expect(m.length).toBeLessThan(420);
    expect(m.endsWith("… (do this)")).toBe(true);
  });
});

describe("component argument errors raised by the stack programs are mapped to config keys", () => {
  it("an InputPropertiesError becomes a ConfigError keyed by the config key that fed the argument", () => {
    const cfg = parseKitConfig(example("gcp"));
    const e = new pulumi.InputPropertiesError({
      message: 'PipelineNamespace "x" has invalid arguments',
      errors: [
        { propertyPath: "namespace", reason: "\"Fine_Tune\" is not a DNS label (use lowercase letters, digits and '-')" },
        { propertyPath: "hubToken", reason: "is required" },
      ],
    });
    const mapped = configErrorOf(e, cfg);
    expect(mapped).toBeInstanceOf(ConfigError);
    expect((mapped as ConfigError).problems).toEqual([
      { path: "finetune:gcp.namespace", message: "\"Fine_Tune\" is not a DNS label (use lowercase letters, digits and '-')" },
      { path: "finetune:hubToken", message: "is required (fix finetune:hubToken)" },
    ]);
    const bug = new TypeError("x is undefined");
    expect(configErrorOf(bug, cfg)).toBe(bug);
  });
});

describe("README Troubleshooting shows a real config error", () => {
  it("the example block is exactly what the kit prints for the edits it names", () => {
    const readme = fs.readFileSync(path.resolve(__dirname, "..", "..", "README.md"), "utf8");
    const block = /<!-- config-error-example:start -->\n```\n\$ [^\n]+\n([\s\S]*?)\n```\n<!-- config-error-example:end -->/.exec(readme);
    expect(block).not.toBeNull();
    const cfg = example("gcp");
    cfg.gcp.region = "us-central1-a";
    cfg.gcp.namespace = "Fine_Tune";
    cfg.pipelines[0].schedule = "0 24 * * 1";
    cfg.pipelines[0].evaluation.thresholds[0].min = 45;
    let message = "";
    try {
      parseKitConfig(cfg);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(block![1]).toBe(message);
  });
});
