import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { KubernetesArtifactStore, type KubernetesArtifactStoreArgs } from "../../components/artifact-registry/kubernetes";
import { runWithMocks } from "../harness";
import { expectSameFailureInApply, expectSameResources, later, settle, type Wrap } from "../components/inputs-helpers";

const minio = (w: Wrap): KubernetesArtifactStoreArgs => ({
  pipelineNamespace: w("finetune"),
  containerRegistry: w("registry.example.com/ml"),
  rootPassword: pulumi.secret("root-password"),
  pipelineSecretKey: pulumi.secret("pipeline-secret"),
  provisioner: w("ebs.csi.aws.com"),
  storageParameters: { type: w("gp3") },
});

describe("KubernetesArtifactStore takes the pipeline namespace, registry and storage class as Inputs", () => {
  it("embedded MinIO: Outputs give the same resources and properties as plain values", async () => {
    const rs = await expectSameResources((w) => new KubernetesArtifactStore("store", minio(w)));
    expect(rs.find((r) => r.name === "store-s3-credentials")!.inputs.metadata.namespace).toBe("finetune");
    expect(rs.find((r) => r.name === "store-storage-class")!.inputs).toMatchObject({ provisioner: "ebs.csi.aws.com", parameters: { type: "gp3" } });
  });

  it("an existing storageClass as an Output reaches the data volume claim", async () => {
    const rs = await expectSameResources(
      (w) => new KubernetesArtifactStore("store", { ...minio(w), provisioner: undefined, storageParameters: undefined, storageClass: w("retained") }),
    );
    expect(rs.find((r) => r.name === "store-data")!.inputs.spec.storageClassName).toBe("retained");
  });

  it("external endpoint: the contract's registry and identity resolve from the Outputs", async () => {
    let store: KubernetesArtifactStore | undefined;
    await runWithMocks(() => {
      store = new KubernetesArtifactStore("store", {
        mode: "external",
        pipelineNamespace: later("finetune"),
        containerRegistry: later("registry.example.com/ml"),
        endpoint: "https://s3.example.com",
        credentialsSecret: "s3-creds",
        bucketName: "artifacts",
      });
    });
    expect(await settle(pulumi.output(store!.contract.identity))).toBe("secret/finetune/s3-creds");
    expect(await settle(pulumi.output(store!.contract.containerRegistry))).toBe("registry.example.com/ml");
    expect(store!.contract.s3Endpoint).toBe("https://s3.example.com");
  });

  it.each([
    ["pipelineNamespace", "Fine_Tune"],
    ["containerRegistry", "https://registry.example.com/"],
  ] as const)("%s: an invalid value as an Output fails inside apply with the message a plain one gets at construction", async (path, bad) => {
    await expectSameFailureInApply(
      path,
      () => new KubernetesArtifactStore("store", { ...minio((v) => v), [path]: bad }),
      () => new KubernetesArtifactStore("store", { ...minio((v) => v), [path]: later(bad) }),
    );
  });
});
