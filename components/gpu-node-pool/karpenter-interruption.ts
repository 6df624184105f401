import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { outputProblems, validatedName } from "../validation";
import { componentToken, withLegacyAlias } from "../tokens";

/**
 * The Karpenter Helm value that names the interruption queue. The wrong key is silently ignored and leaves
 * Karpenter without interruption handling (spot nodes then die without draining), so a test pins it.
 */
export const KARPENTER_INTERRUPTION_QUEUE_VALUE = "settings.interruptionQueue";

/** The `settings` block of the Karpenter chart values that names the interruption queue. */
export interface KarpenterHelmSettings {
  /** SQS queue name Karpenter reads interruption events from. */
  interruptionQueue: string;
}

/** Karpenter chart values to merge: `{ settings: { interruptionQueue } }`. */
export interface KarpenterHelmValues {
  /** Chart `settings`. */
  settings: KarpenterHelmSettings;
}

/** EventBridge rules whose events Karpenter handles (Karpenter "interruption" docs), one table. */
export const KARPENTER_INTERRUPTION_EVENTS = {
  "spot-interruption": { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
  rebalance: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
  "state-change": { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
  "scheduled-change": { source: ["aws.health"], "detail-type": ["AWS Health Event"], detail: { service: ["EC2"], eventTypeCategory: ["scheduledChange"] } },
} as const;

/** Arguments of {@link KarpenterInterruptionQueue}. */
export interface KarpenterInterruptionQueueArgs {
  /** KMS key for the queue. @default - SQS-managed server-side encryption (SSE-SQS) */
  kmsKeyId?: pulumi.Input<string>;
  /** Tags on every resource. @default {} */
  tags?: Record<string, pulumi.Input<string>>;
}

/** The arguments of {@link KarpenterInterruptionQueue} typed `pulumi.Input`. */
export const INTERRUPTION_QUEUE_INPUT_ARGS = ["kmsKeyId", "tags"] as const satisfies readonly (keyof KarpenterInterruptionQueueArgs)[];

/** The arguments of {@link KarpenterInterruptionQueue} that stay plain (none). */
export const INTERRUPTION_QUEUE_PLAIN_ARGS: Record<string, string> = {};

/** The queue policy: EventBridge (and SQS itself) may send; nothing over plain HTTP. */
export function interruptionQueuePolicy(queueArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EventBridgeSend",
        Effect: "Allow",
        Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
        Action: "sqs:SendMessage",
        Resource: queueArn,
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "sqs:*",
        Resource: queueArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

/** The IAM statement the Karpenter controller role needs on the queue (exact actions, this queue only). */
export function karpenterQueueConsumerPolicy(queueArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "KarpenterInterruptionQueue", Effect: "Allow", Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], Resource: queueArn },
    ],
  });
}

/**
 * Karpenter's interruption queue (one per cluster): an SQS queue, its policy, and EventBridge rules for spot
 * interruption warnings, rebalance recommendations, instance state changes and AWS Health scheduled changes.
 * Give `queueName` to Karpenter as `settings.interruptionQueue` (see `helmValues`).
 */
export class KarpenterInterruptionQueue extends pulumi.ComponentResource {
  /** Queue name: the value of `settings.interruptionQueue`. */
  readonly queueName: pulumi.Output<string>;
  readonly queueArn: pulumi.Output<string>;
  /** Exact Helm value path the queue name belongs to. */
  readonly helmValuePath: string = KARPENTER_INTERRUPTION_QUEUE_VALUE;
  /** Values to merge into the Karpenter chart: `{ settings: { interruptionQueue } }`. */
  readonly helmValues: pulumi.Output<KarpenterHelmValues>;
  /** IAM policy JSON to attach to the Karpenter controller role. */
  readonly controllerPolicyJson: pulumi.Output<string>;

  constructor(name: string, args: KarpenterInterruptionQueueArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(
      componentToken("KarpenterInterruptionQueue"),
      validatedName("KarpenterInterruptionQueue", name, outputProblems(args, INTERRUPTION_QUEUE_INPUT_ARGS)),
      {},
      withLegacyAlias("KarpenterInterruptionQueue", opts),
    );
    const tags = args.tags ?? {};
    const queue = new aws.sqs.Queue(
      `${name}-queue`,
      {
        // Interruption warnings are useless after two minutes; keep five.
        messageRetentionSeconds: 300,
        sqsManagedSseEnabled: args.kmsKeyId === undefined ? true : undefined,
        kmsMasterKeyId: args.kmsKeyId,
        tags,
      },
      { parent: this },
    );
    new aws.sqs.QueuePolicy(`${name}-queue-policy`, { queueUrl: queue.url, policy: queue.arn.apply(interruptionQueuePolicy) }, { parent: this });
    for (const [rule, pattern] of Object.entries(KARPENTER_INTERRUPTION_EVENTS)) {
      const r = new aws.cloudwatch.EventRule(
        `${name}-${rule}`,
        { description: `Karpenter interruption: ${rule}`, eventPattern: JSON.stringify(pattern), tags },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(`${name}-${rule}`, { rule: r.name, arn: queue.arn }, { parent: this });
    }
    this.queueName = queue.name;
    this.queueArn = queue.arn;
    this.helmValues = queue.name.apply((q) => ({ settings: { interruptionQueue: q } }));
    this.controllerPolicyJson = queue.arn.apply(karpenterQueueConsumerPolicy);
    this.registerOutputs({
      queueName: this.queueName,
      queueArn: this.queueArn,
      helmValuePath: this.helmValuePath,
      helmValues: this.helmValues,
      controllerPolicyJson: this.controllerPolicyJson,
    });
  }
}
