import * as pulumi from "@pulumi/pulumi";
import { readKitConfig } from "./config/load";
import { KitConfig } from "./config/schema";
import { awsSageMakerStack } from "./aws-sagemaker";
import { gcpStack } from "./gcp";
import { kubernetesStack } from "./kubernetes";

/** Stack outputs: plain values or outputs, keyed by output name. */
export type StackOutputs = Record<string, pulumi.Input<unknown>>;

/** Runs the stack program that `cfg.target` names. */
export function deployKit(cfg: KitConfig): StackOutputs {
  switch (cfg.target) {
    case "kubernetes":
      return kubernetesStack(cfg);
    case "gcp":
      return gcpStack(cfg);
    case "aws-sagemaker":
      return awsSageMakerStack(cfg);
  }
}

/** The Pulumi program: read and validate `finetune:*` config (before any resource), then deploy. */
export function main(): StackOutputs {
  return deployKit(readKitConfig());
}
