import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GPU_STACK_CHARTS } from "../../core/versions";
import { AWS_INTERCONNECT } from "../../core/interconnect";
import { GPU_TAINT } from "./labels";
import { type Problem } from "../../core/problem";
import { outputProblems, validatedName } from "../validation";
import { componentToken, withLegacyAlias } from "../tokens";

/** Arguments of {@link EfaDevicePlugin}. */
export interface EfaDevicePluginArgs {
  /** Namespace of the DaemonSet. @default "kube-system" */
  namespace?: pulumi.Input<string>;
  /** Extra EC2 instance types to run on, beyond the EFA types of the GPU catalog. @default [] */
  extraInstanceTypes?: string[];
}

/** The arguments of {@link EfaDevicePlugin} typed `pulumi.Input`. */
export const EFA_DEVICE_PLUGIN_INPUT_ARGS = ["namespace"] as const satisfies readonly (keyof EfaDevicePluginArgs)[];

/** The arguments of {@link EfaDevicePlugin} that stay plain, and why. */
export const EFA_DEVICE_PLUGIN_PLAIN_ARGS: Record<string, string> = {
  extraInstanceTypes: "instance types chosen with the kit, merged with the GPU catalog's EFA types into the chart's node affinity at construction",
};

/**
 * Values of the `aws-efa-k8s-device-plugin` chart (pure): run on every EFA-capable GPU instance type of the catalog
 * (the chart's `supportedInstanceLabels`, replacing its built-in list so that newer types such as p6-b200 are
 * included) and tolerate the kit's GPU taint, which would otherwise keep the plugin off the GPU nodes.
 */
export function efaDevicePluginValues(extraInstanceTypes: readonly string[] = []): Record<string, unknown> {
  const types = [...new Set([...Object.keys(AWS_INTERCONNECT), ...extraInstanceTypes])].sort();
  return {
    supportedInstanceLabels: { keys: ["node.kubernetes.io/instance-type"], values: types },
    tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }],
  };
}

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

/** Problems of the plugin's arguments (pure). */
export function efaDevicePluginProblems(args: EfaDevicePluginArgs): Problem[] {
  const outputs = outputProblems(args, EFA_DEVICE_PLUGIN_INPUT_ARGS);
  if (outputs.length > 0) return outputs;
  return (args.extraInstanceTypes ?? []).flatMap((t, i) =>
    INSTANCE_TYPE.test(t) ? [] : [{ path: `extraInstanceTypes[${i}]`, message: `"${t}" is not an EC2 instance type (e.g. p5.48xlarge)` }],
  );
}

/**
 * The AWS EFA device plugin (pinned chart, `GPU_STACK_CHARTS.efaDevicePlugin`): advertises `vpc.amazonaws.com/efa`
 * on EFA nodes so that training pods can request the interfaces an `EksGpuNodePool` with `efa` (or a Karpenter pool
 * with `efa`) attaches. One per cluster.
 */
export class EfaDevicePlugin extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: EfaDevicePluginArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(
      componentToken("EfaDevicePlugin"),
      validatedName("EfaDevicePlugin", name, efaDevicePluginProblems(args)),
      {},
      withLegacyAlias("EfaDevicePlugin", opts),
    );
    const pin = GPU_STACK_CHARTS.efaDevicePlugin;
    this.release = new k8s.helm.v3.Release(
      `${name}-efa-device-plugin`,
      {
        name: "aws-efa-k8s-device-plugin",
        chart: pin.chart,
        version: pin.version,
        repositoryOpts: { repo: pin.repo },
        namespace: args.namespace ?? "kube-system",
        values: efaDevicePluginValues(args.extraInstanceTypes),
        atomic: true,
      },
      { parent: this },
    );
    this.registerOutputs({ release: this.release.status });
  }
}
