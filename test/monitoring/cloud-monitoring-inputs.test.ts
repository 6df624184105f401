import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { CloudMonitoring, type CloudMonitoringArgs } from "../../components/monitoring/cloud-monitoring";
import { runWithMocks, type RecordedResource } from "../harness";
import { expectContractFailsLikePlain, known, later, settle } from "./input-harness";

const shape = (rs: RecordedResource[]) =>
  rs
    .map((r) => ({ type: r.type, name: r.name, parent: r.parent, inputs: r.inputs }))
    .sort((a, b) => `${a.type}/${a.name}`.localeCompare(`${b.type}/${b.name}`));

type Wrap = <T>(v: T) => pulumi.Input<T>;
const plainArgs = (w: Wrap, channel: "email" | "pubsub" | "existing"): CloudMonitoringArgs => ({
  project: w("my-proj-123"),
  trainingNamespaces: [w("finetune"), "research"],
  servingNamespaces: [w("serving")],
  alertEmails: [w("ml@example.com"), "oncall@example.com"],
  notificationChannel:
    channel === "email"
      ? { type: "email", address: w("lead@example.com") }
      : channel === "pubsub"
        ? { type: "pubsub", topic: w("projects/my-proj-123/topics/alerts") }
        : { type: "existing", name: w("projects/my-proj-123/notificationChannels/42") },
  pushgatewayUrl: w("http://pg.monitoring.svc:9091"),
  billingAccount: w("012345-6789AB-CDEF01"),
  budgetAmountUsd: 1000,
});

async function run(args: CloudMonitoringArgs) {
  let c: CloudMonitoring | undefined;
  const result = await runWithMocks(() => {
    c = new CloudMonitoring("mon", args);
  });
  return { resources: result.resources, component: c! };
}

describe("CloudMonitoring takes project, namespaces, emails, channel fields, Pushgateway URL and billing account as Inputs", () => {
  it.each([
    ["email", "known Outputs", known],
    ["pubsub", "Outputs resolved later", later],
    ["existing", "Outputs resolved later", later],
  ] as const)("%s channel, %s: the same resources and properties as plain values; the same contract", async (channel, _, wrap) => {
    const plain = await run(plainArgs((v) => v, channel));
    const output = await run(plainArgs(wrap as Wrap, channel));
    expect(plain.resources.filter((r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy").length).toBeGreaterThan(5);
    expect(shape(output.resources)).toEqual(shape(plain.resources));
    expect(await settle(output.component.contractOutput)).toEqual(plain.component.contract);
    expect(await settle(output.component.notificationChannelNames)).toEqual(await settle(plain.component.notificationChannelNames));
    expect(await settle(output.component.dashboardUrl)).toEqual(await settle(plain.component.dashboardUrl));
  });

  it("the plain contract throws a clear error when the Pushgateway URL is an Output; known values elsewhere keep it plain", async () => {
    const { component } = await run({ ...plainArgs((v) => v, "email"), pushgatewayUrl: later("http://pg:9091") });
    expect(() => component.contract).toThrow('CloudMonitoring "mon": contract derives from arguments passed as Outputs');
    const other = await run({ ...plainArgs((v) => v, "email"), project: later("my-proj-123") });
    expect(other.component.contract).toEqual({ platform: "cloud-monitoring", selectorLabels: {}, pushgatewayUrl: "http://pg.monitoring.svc:9091" });
  });

  it.each([
    ["project", { project: "X" }, { project: later("X") }],
    ["trainingNamespaces[0]", { trainingNamespaces: ["Bad_NS"] }, { trainingNamespaces: [later("Bad_NS")] }],
    ["alertEmails[1]", { alertEmails: ["ml@example.com", "oncall"] }, { alertEmails: ["ml@example.com", later("oncall")] }],
    [
      "notificationChannel.address",
      { notificationChannel: { type: "email", address: "lead" } },
      { notificationChannel: { type: "email", address: later("lead") } },
    ],
    ["billingAccount", { billingAccount: "nope" }, { billingAccount: later("nope") }],
  ] as [string, Partial<CloudMonitoringArgs>, Partial<CloudMonitoringArgs>][])(
    "%s: an invalid value as an Output fails inside apply with the message a plain one gets at construction",
    async (path, plainBad, outputBad) => {
      const base: CloudMonitoringArgs = { project: "my-proj-123", trainingNamespaces: ["finetune"], alertEmails: ["ml@example.com"] };
      await expectContractFailsLikePlain(
        path,
        () => new CloudMonitoring("mon", { ...base, ...plainBad }),
        () => new CloudMonitoring("mon", { ...base, ...outputBad }),
      );
    },
  );

  it("a channel missing its type's field, or carrying another type's, is an argument problem", () => {
    expect(
      () =>
        new CloudMonitoring("mon", {
          project: "my-proj-123",
          trainingNamespaces: ["ft"],
          notificationChannel: { type: "pubsub", name: "projects/p/notificationChannels/1" },
        }),
    ).toThrow(
      [
        'CloudMonitoring "mon" has invalid arguments (2 problems):',
        '  notificationChannel.topic: is required with type "pubsub" (set notificationChannel.topic)',
        '  notificationChannel.name: is not used with type "pubsub" (remove it, or set type to the channel it belongs to)',
      ].join("\n"),
    );
  });

  it("the structure-deciding arguments stay plain: an Output there is a clear error", () => {
    expect(
      () =>
        new CloudMonitoring("mon", {
          project: "my-proj-123",
          trainingNamespaces: ["ft"],
          alertEmails: ["a@b.co"],
          budgetAmountUsd: later(5) as unknown as number,
        }),
    ).toThrow(/budgetAmountUsd: is a pulumi.Output \(or Promise\), but this argument needs a plain value/);
  });
});
