import { describe, expect, it } from "vitest";
import { parseKitConfig } from "../../stacks/config/load";
import { configProblems as problems } from "../config-problems";

const k8s = { target: "kubernetes", kubernetes: { context: "gpu-cluster" } };
const gcp = { target: "gcp", gcp: { project: "my-proj-123", region: "us-central1" } };
const aws = { target: "aws-sagemaker", aws: { region: "us-east-1" } };

describe("stack config: every bad config names the key, what is wrong and the fix", () => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ["target missing", { kubernetes: { context: "c" } }, ['finetune:target: is required (set it to one of "aws-sagemaker", "gcp", "kubernetes")']],
    [
      "target misspelled",
      { target: "kubernetse", kubernetes: { context: "c" } },
      ['finetune:target: "kubernetse" is not allowed (use one of "aws-sagemaker", "gcp", "kubernetes"; did you mean "kubernetes"?)'],
    ],
    ["target not a string", { target: 3 }, ['finetune:target: number 3 is not allowed (use one of "aws-sagemaker", "gcp", "kubernetes")']],
    ["unknown top-level key with a close match", { ...k8s, gpuPool: [] }, ['finetune:gpuPool: unknown key (did you mean "gpuPools"?)']],
    [
      "unknown top-level key with no match",
      { ...k8s, banana: 1 },
      ["finetune:banana: unknown key (remove it; known keys: target, name, kubernetes, gcp, aws, gpuPools, driverStack, artifactStore, monitoring, pipelines)"],
    ],
    [
      "platform section missing for target",
      { target: "kubernetes" },
      ['finetune:kubernetes: is required when finetune:target is "kubernetes" (add a finetune:kubernetes section; see stacks/Pulumi.kubernetes.yaml)'],
    ],
    [
      "gcp section missing for gcp target",
      { target: "gcp" },
      ['finetune:gcp: is required when finetune:target is "gcp" (add a finetune:gcp section; see stacks/Pulumi.gcp.yaml)'],
    ],
    [
      "aws section missing for aws target",
      { target: "aws-sagemaker" },
      ['finetune:aws: is required when finetune:target is "aws-sagemaker" (add a finetune:aws section; see stacks/Pulumi.aws-sagemaker.yaml)'],
    ],
    [
      "section of another target",
      { ...k8s, aws: { region: "us-east-1" } },
      ['finetune:aws: is not used when finetune:target is "kubernetes" (remove it, or set finetune:target to the stack it belongs to)'],
    ],
    ["kubernetes context missing", { target: "kubernetes", kubernetes: {} }, ["finetune:kubernetes.context: is required (set it to a string)"]],
    [
      "kubernetes context empty",
      { target: "kubernetes", kubernetes: { context: "" } },
      ['finetune:kubernetes.context: is "", must be ≥ 1 characters (raise it to at least 1)'],
    ],
    [
      "kubernetes namespace not DNS-1123",
      { target: "kubernetes", kubernetes: { context: "c", namespace: "Fine_Tune" } },
      ["finetune:kubernetes.namespace: \"Fine_Tune\" must be a DNS-1123 label (lowercase letters, digits, '-')"],
    ],
    [
      "kubernetes key misspelled",
      { target: "kubernetes", kubernetes: { context: "c", kubeconfig: "/x" } },
      ['finetune:kubernetes.kubeconfig: unknown key (did you mean "kubeconfigPath"?)'],
    ],
    [
      "gcp project id invalid",
      { target: "gcp", gcp: { project: "My_Project", region: "us-central1" } },
      ["finetune:gcp.project: \"My_Project\" must be a GCP project id (6-30 lowercase letters, digits, '-')"],
    ],
    ["gcp region missing", { target: "gcp", gcp: { project: "my-proj-123" } }, ["finetune:gcp.region: is required (set it to a string)"]],
    [
      "gcp region invalid",
      { target: "gcp", gcp: { project: "my-proj-123", region: "central" } },
      ['finetune:gcp.region: "central" is not a GCP region (use a region such as us-central1: gcloud compute regions list)'],
    ],
    [
      "gcp release channel invalid",
      { ...gcp, gcp: { ...gcp.gcp, cluster: { releaseChannel: "FAST" } } },
      ['finetune:gcp.cluster.releaseChannel: "FAST" is not allowed (use one of "RAPID", "REGULAR", "STABLE")'],
    ],
    [
      "gcp control-plane CIDR not a /28",
      { ...gcp, gcp: { ...gcp.gcp, cluster: { masterCidr: "172.16.0.0/24" } } },
      ['finetune:gcp.cluster.masterCidr: "172.16.0.0/24" must be an IPv4 /28 CIDR such as 172.16.0.32/28 (GKE requires a /28)'],
    ],
    [
      "aws region invalid",
      { target: "aws-sagemaker", aws: { region: "virginia" } },
      ['finetune:aws.region: "virginia" is not an AWS region (use a region such as us-east-1: aws ec2 describe-regions)'],
    ],
    [
      "aws AZ count too small",
      { ...aws, aws: { region: "us-east-1", availabilityZones: 1 } },
      ["finetune:aws.availabilityZones: is number 1, must be ≥ 2 (raise it to at least 2)"],
    ],
    [
      "aws AZ count not whole",
      { ...aws, aws: { region: "us-east-1", availabilityZones: 2.5 } },
      ["finetune:aws.availabilityZones: expected a whole number, got number 2.5 (set it to a whole number)"],
    ],
    [
      "aws VPC CIDR malformed",
      { ...aws, aws: { region: "us-east-1", vpcCidr: "10.80.0.0" } },
      ['finetune:aws.vpcCidr: "10.80.0.0" must be an IPv4 CIDR from /16 to /20 (use e.g. 10.80.0.0/16)'],
    ],
    [
      "aws VPC too small for the zones",
      { ...aws, aws: { region: "us-east-1", vpcCidr: "10.80.0.0/20", availabilityZones: 3 } },
      ["finetune:aws.vpcCidr: 10.80.0.0/20 holds 1 /20 subnet(s), fewer than availabilityZones 3 (use a larger CIDR, e.g. a /16, or fewer zones)"],
    ],
    [
      "aws tags not strings",
      { ...aws, aws: { region: "us-east-1", tags: { team: 7 } } },
      ["finetune:aws.tags.team: expected a string, got number 7 (set it to a string)"],
    ],
    [
      "name with uppercase",
      { ...k8s, name: "FineTune" },
      ["finetune:name: \"FineTune\" must be 2-21 lowercase letters, digits or '-', starting with a letter (it prefixes cloud resource names)"],
    ],
    [
      "monitoring mode on the SageMaker stack",
      { ...aws, monitoring: { mode: "kube-prometheus-stack" } },
      [
        'finetune:monitoring.mode: "kube-prometheus-stack" does not apply to target "aws-sagemaker" (remove it: the aws-sagemaker stack monitors with CloudWatch; use monitoring.aws)',
      ],
    ],
    [
      "GKE managed Prometheus outside GKE",
      { ...k8s, monitoring: { mode: "managed-prometheus" } },
      [
        'finetune:monitoring.mode: "managed-prometheus" is GKE\'s Managed Service for Prometheus (use "kube-prometheus-stack" or "existing" on target "kubernetes")',
      ],
    ],
    ["gpuPools not a list", { ...k8s, gpuPools: { name: "a" } }, ["finetune:gpuPools: expected a list, got an object (set it to a list)"]],
  ];

  it.each(cases)("%s", (_title, raw, expected) => {
    expect(problems(raw)).toEqual(expected);
  });

  it("reports every problem at once, in one error", () => {
    const lines = problems({ target: "gcp", gcp: { project: "X", region: "nowhere" }, banana: true, aws: { region: "us-east-1" } });
    expect(lines).toEqual([
      'finetune:aws: is not used when finetune:target is "gcp" (remove it, or set finetune:target to the stack it belongs to)',
      "finetune:banana: unknown key (remove it; known keys: target, name, kubernetes, gcp, aws, gpuPools, driverStack, artifactStore, monitoring, pipelines)",
      "finetune:gcp.project: \"X\" must be a GCP project id (6-30 lowercase letters, digits, '-')",
      'finetune:gcp.region: "nowhere" is not a GCP region (use a region such as us-central1: gcloud compute regions list)',
    ]);
  });

  it("formats the thrown error as one message listing every problem", () => {
    expect(() => parseKitConfig({ target: "kubernetes", kubernetes: {}, extra: 1 })).toThrow(
      "Invalid finetune-kit configuration (2 problems):\n  finetune:extra: unknown key (remove it; known keys: target, name, kubernetes, gcp, aws, gpuPools, driverStack, artifactStore, monitoring, pipelines)\n  finetune:kubernetes.context: is required (set it to a string)",
    );
  });

  it("applies defaults to a minimal valid config", () => {
    const cfg = parseKitConfig(k8s);
    expect(cfg.name).toBe("finetune");
    expect(cfg.kubernetes?.namespace).toBe("finetune");
    expect(cfg.gpuPools).toEqual([]);
    expect(cfg.pipelines).toEqual([]);
    const g = parseKitConfig(gcp);
    expect(g.gcp?.cluster).toMatchObject({ name: "finetune", create: true, releaseChannel: "REGULAR" });
    const a = parseKitConfig(aws);
    expect(a.aws).toMatchObject({ vpcCidr: "10.80.0.0/16", availabilityZones: 2, tags: {} });
  });
});
