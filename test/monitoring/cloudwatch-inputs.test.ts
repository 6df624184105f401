import { describe, expect, it } from "vitest";
import { CloudWatchMonitoring, type CloudWatchMonitoringArgs } from "../../components/monitoring/cloudwatch";
import { runWithMocks } from "../harness";
import { expectSameFailureInApply, expectSameResources, later, type Wrap } from "../components/inputs-helpers";

const args = (w: Wrap): CloudWatchMonitoringArgs => ({
  region: "eu-west-1",
  accountId: w("123456789012"),
  alertEmails: [w("ml@example.com"), "oncall@example.com"],
  kmsKeyArn: w("arn:aws:kms:eu-west-1:123456789012:key/abc"),
  tags: { team: w("ml") },
  endpointNames: ["chat"],
});

describe("CloudWatchMonitoring takes account id, emails, KMS key and tags as Inputs", () => {
  it("Outputs give the same resources and properties as plain values", async () => {
    const rs = await expectSameResources((w) => new CloudWatchMonitoring("mon", args(w)));
    expect(rs.find((r) => r.name === "mon-alerts-email-0")!.inputs.endpoint).toBe("ml@example.com");
    expect(rs.find((r) => r.name === "mon-alerts")!.inputs.tags).toMatchObject({ team: "ml" });
  });

  it("the contract's alertTarget is a plain ARN only when the account id is known at construction", async () => {
    let plain: CloudWatchMonitoring | undefined;
    let output: CloudWatchMonitoring | undefined;
    await runWithMocks(() => {
      plain = new CloudWatchMonitoring(
        "mon",
        args((v) => v),
      );
      output = new CloudWatchMonitoring("mon2", args(later as Wrap));
    });
    expect(plain!.contract.alertTarget).toBe("arn:aws:sns:eu-west-1:123456789012:mon-alerts");
    expect(output!.contract.alertTarget).toBeUndefined();
  });

  it.each([
    ["accountId", { accountId: "12" }, { accountId: later("12") }],
    ["alertEmails[1]", { alertEmails: ["ml@example.com", "oncall"] }, { alertEmails: ["ml@example.com", later("oncall")] }],
  ] as [string, Partial<CloudWatchMonitoringArgs>, Partial<CloudWatchMonitoringArgs>][])(
    "%s: an invalid value as an Output fails inside apply with the message a plain one gets at construction",
    async (path, plainBad, outputBad) => {
      await expectSameFailureInApply(
        path,
        () => new CloudWatchMonitoring("mon", { region: "eu-west-1", ...plainBad }),
        () => new CloudWatchMonitoring("mon", { region: "eu-west-1", ...outputBad }),
      );
    },
  );
});
