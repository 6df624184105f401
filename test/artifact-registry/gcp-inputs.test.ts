import { describe, expect, it } from "vitest";
import { GcpArtifactRegistry, type GcpArtifactRegistryArgs } from "../../components/artifact-registry/gcp";
import { runWithMocks } from "../harness";
import { expectSameFailureInApply, expectSameResources, later, settle, type Wrap } from "../components/inputs-helpers";

const args = (w: Wrap): GcpArtifactRegistryArgs => ({
  project: "my-proj-123",
  region: w("us-central1"),
  kubernetesNamespace: w("finetune"),
  kubernetesServiceAccount: w("trainer"),
  labels: { team: w("ml") },
});

describe("GcpArtifactRegistry takes region, namespace, ServiceAccount, KMS key and labels as Inputs", () => {
  it("Outputs give the same resources and properties as plain values (created key)", async () => {
    const rs = await expectSameResources((w) => new GcpArtifactRegistry("reg", args(w)));
    expect(rs.find((r) => r.name === "reg-workload-identity")!.inputs.member).toBe("serviceAccount:my-proj-123.svc.id.goog[finetune/trainer]");
    expect(rs.find((r) => r.name === "reg-bucket")!.inputs.location).toBe("US-CENTRAL1");
  });

  it("an existing kmsKeyName as an Output reaches the bucket, the repository and the contract", async () => {
    const key = "projects/k/locations/us-central1/keyRings/r/cryptoKeys/c";
    const rs = await expectSameResources((w) => new GcpArtifactRegistry("reg", { ...args(w), kmsKeyName: w(key) }));
    expect(rs.find((r) => r.name === "reg-bucket")!.inputs.encryption).toEqual({ defaultKmsKeyName: key });
    let reg: GcpArtifactRegistry | undefined;
    await runWithMocks(() => {
      reg = new GcpArtifactRegistry("reg", { ...args(later as Wrap), kmsKeyName: later(key) });
    });
    expect(await settle(reg!.contract.kmsKeyId as never)).toBe(key);
    expect(await settle(reg!.contract.containerRegistry as never)).toBe("us-central1-docker.pkg.dev/my-proj-123/reg");
    expect(reg!.contract.bucket).toBe("reg-artifacts-my-proj-123");
  });

  it.each([
    ["region", { region: "Central" }],
    ["kubernetesNamespace", { kubernetesNamespace: "Fine_Tune" }],
    ["kubernetesServiceAccount", { kubernetesServiceAccount: "Trainer!" }],
    ["kmsKeyName", { kmsKeyName: "key-1" }],
  ] as [keyof GcpArtifactRegistryArgs, Partial<GcpArtifactRegistryArgs>][])(
    "%s: an invalid value as an Output fails inside apply with the message a plain one gets at construction",
    async (path, bad) => {
      const v = bad[path];
      await expectSameFailureInApply(
        path,
        () => new GcpArtifactRegistry("reg", { ...args((x) => x), [path]: v }),
        () => new GcpArtifactRegistry("reg", { ...args((x) => x), [path]: later(v) }),
      );
    },
  );

  it("project stays plain (it names the bucket and the service account): an Output is a clear error", () => {
    expect(() => new GcpArtifactRegistry("reg", { ...args((x) => x), project: later("p") as unknown as string })).toThrow(
      /project: is a pulumi.Output \(or Promise\), but this argument needs a plain value/,
    );
  });
});
