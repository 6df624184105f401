import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { expectValidManifests, validateKubernetesObject } from "./kubernetes";

// Built-in Kubernetes types: strict Kubernetes 1.36 schema (unknown fields rejected) + kubernetes-models.

const job = () => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "train", namespace: "ml", labels: { app: "train" } },
  spec: {
    backoffLimit: 2,
    template: {
      spec: {
        restartPolicy: "Never",
        securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "trainer",
            image: "ghcr.io/example/trainer:1.2.3",
            imagePullPolicy: "IfNotPresent",
            resources: { limits: { cpu: "8", memory: "64Gi", "nvidia.com/gpu": 1 }, requests: { cpu: "500m", memory: 1073741824 } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            ports: [{ containerPort: 8080, name: "metrics" }],
          },
        ],
      },
    },
  },
});

const deployment = () => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "serve" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "serve" } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: 1 } },
    template: {
      metadata: { labels: { app: "serve" } },
      spec: {
        containers: [
          {
            name: "server",
            image: "vllm/vllm-openai:v0.11.0",
            readinessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 5 },
            ports: [{ containerPort: 8000, name: "http" }],
          },
        ],
      },
    },
  },
});

type Json = Record<string, any>;
const container = (o: Json): Json => o.spec.template.spec.containers[0];

describe("validateKubernetesObject: built-in types", () => {
  it("accepts a valid Job and Deployment (GPU limit as an integer, IntOrString ports, numeric quantities)", () => {
    expect(validateKubernetesObject(job())).toEqual([]);
    expect(validateKubernetesObject(deployment())).toEqual([]);
  });

  it("rejects a misspelled field in the spec (spec.backofLimit)", () => {
    const o: Json = job();
    o.spec.backofLimit = 3;
    expect(validateKubernetesObject(o)).toEqual(['Job/train: /spec must NOT have additional property "backofLimit"']);
  });

  it("rejects a misspelled container field (imagePullPolicyy)", () => {
    const o: Json = job();
    container(o).imagePullPolicyy = "Always";
    expect(validateKubernetesObject(o)).toEqual(['Job/train: /spec/template/spec/containers/0 must NOT have additional property "imagePullPolicyy"']);
  });

  it("rejects a memory limit that is not a Kubernetes quantity (64GB) — both checks report it", () => {
    const o: Json = job();
    container(o).resources.limits.memory = "64GB";
    expect(validateKubernetesObject(o)).toEqual([
      'Job/train: /spec/template/spec/containers/0/resources/limits/memory must be a Kubernetes quantity such as 64Gi, 500m or 2 (got "64GB")',
      'Job/train: /spec/template/spec/containers/0/resources/limits/memory must match format "quantity" (got "64GB") [kubernetes-models]',
    ]);
  });

  it("rejects a container without a name (reported once although both checks catch it)", () => {
    const o: Json = job();
    delete container(o).name;
    expect(validateKubernetesObject(o)).toEqual(['Job/train: /spec/template/spec/containers/0 must have required property "name"']);
  });

  it("rejects a removed apiVersion (batch/v1beta1 CronJob) and names the served one", () => {
    const cron = { apiVersion: "batch/v1beta1", kind: "CronJob", metadata: { name: "nightly" }, spec: { schedule: "0 2 * * *" } };
    expect(validateKubernetesObject(cron)).toEqual(["CronJob/nightly: no schema for batch/v1beta1 CronJob (served versions of CronJob: batch/v1)"]);
  });

  it("rejects wrong types (replicas as a string, labels with a non-string value)", () => {
    const o: Json = deployment();
    o.spec.replicas = "2";
    o.metadata.labels = { tier: 1 };
    expect(validateKubernetesObject(o)).toEqual([
      "Deployment/serve: /metadata/labels/tier must be string (got 1)",
      'Deployment/serve: /spec/replicas must be integer (got "2")',
    ]);
  });

  it("catches enums only kubernetes-models knows (restartPolicy, imagePullPolicy) — the Swagger spec has none", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { restartPolicy: "Sometimes", containers: [{ name: "c", image: "busybox:1.36", imagePullPolicy: "always" }] },
    };
    expect(validateKubernetesObject(pod)).toEqual([
      'Pod/p: /spec/containers/0/imagePullPolicy must be one of "Always", "IfNotPresent", "Never" (got "always") [kubernetes-models]',
      'Pod/p: /spec/restartPolicy must be one of "Always", "Never", "OnFailure" (got "Sometimes") [kubernetes-models]',
    ]);
  });

  it("keeps open what the API keeps open (ConfigMap data, annotations, CRD openAPIV3Schema)", () => {
    expect(
      validateKubernetesObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", annotations: { "a/b": "x" } }, data: { anyKey: "v" } }),
    ).toEqual([]);
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "things.example.com" },
      spec: {
        group: "example.com",
        names: { kind: "Thing", plural: "things" },
        scope: "Namespaced",
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
      },
    };
    expect(validateKubernetesObject(crd)).toEqual([]);
  });

  it("rejects objects without apiVersion/kind and kinds nobody defines", () => {
    expect(validateKubernetesObject({ metadata: { name: "x" } })).toEqual([
      "<no kind>/x: apiVersion and kind must be non-empty strings (got apiVersion undefined, kind undefined)",
    ]);
    expect(validateKubernetesObject({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } })).toEqual([
      "Widget/w: no schema for example.com/v1 Widget (not a Kubernetes 1.36 built-in type nor a CRD in shared/schemas/crds)",
    ]);
  });
});

describe("validateKubernetesObject: objects as the API server receives them", () => {
  it("ignores fields set to undefined (absent in JSON) but reports a required one that is undefined", () => {
    const o: Json = job();
    o.spec.activeDeadlineSeconds = undefined;
    expect(validateKubernetesObject(o)).toEqual([]);
    container(o).name = undefined;
    expect(validateKubernetesObject(o)).toEqual(['Job/train: /spec/template/spec/containers/0 must have required property "name"']);
  });

  it("refuses unresolved pulumi.Outputs instead of validating their placeholder text", () => {
    const o: Json = job();
    container(o).image = pulumi.output("ghcr.io/example/trainer:1.2.3");
    expect(validateKubernetesObject(o)).toEqual([
      "Job/train: unresolved pulumi.Output at /spec/template/spec/containers/0/image (validate resolved manifests, e.g. from manifestsOf)",
    ]);
  });
});

describe("expectValidManifests", () => {
  it("passes valid objects and throws one error listing every problem of every object", () => {
    expect(() => expectValidManifests([job(), deployment()])).not.toThrow();
    const a: Json = job();
    a.spec.backofLimit = 1;
    const b: Json = deployment();
    container(b).imagePullPolicyy = "Always";
    expect(() => expectValidManifests([a, b, deployment()])).toThrow(
      '2 Kubernetes schema error(s) in 3 object(s):\n  Job/train: /spec must NOT have additional property "backofLimit"\n  Deployment/serve: /spec/template/spec/containers/0 must NOT have additional property "imagePullPolicyy"',
    );
  });
});
