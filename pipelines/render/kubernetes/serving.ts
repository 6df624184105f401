import { SERVING_METRICS_PORT, SERVING_POD_LABELS, type K8sObject } from "../../../core/kubernetes";
import { registryFetchCommand, storeFetchCommand, vllmArgs } from "../../commands";
import { servingGpus } from "../../sizing";
import { pipelineLabels, SCRIPTS, SERVING_PORT, type Ctx } from "./context";
import {
  CONTAINER_SECURITY_CONTEXT,
  dshmVolume,
  gpuPodScheduling,
  helperContainer,
  modelCacheAnnotations,
  modelCacheEnv,
  modelCacheMounts,
  modelCacheVolumes,
  mounts,
  podIdentity,
  scriptsVolume,
  TMP_VOLUME,
  toolsInit,
  TOOLS_VOLUME,
  vllmResources,
} from "./pods";

/** vLLM serving: Deployment (scaled up by the deployment stage on first promotion), Service, optional HPA. Pure: no Pulumi. */
export function renderServing(c: Ctx): K8sObject[] {
  const { spec, input, names, layout: l } = c;
  const labels = pipelineLabels(spec, "serving");
  const gpus = servingGpus(c.arch, input.pool.gpuMemoryGiB, spec.deployment.gpusPerReplica);
  const adapterDir = "/models/adapters";
  // register_model.py fetch points <dest>/active at the deployed version: vLLM gets a fixed path, no shell.
  const args = vllmArgs(spec, "/models/base", `${adapterDir}/active`, SERVING_PORT, gpus);
  const fetchMounts = [mounts.scripts, mounts.tools, mounts.models, mounts.tmp];
  const cache = input.modelCache;
  const out: K8sObject[] = [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: names.serving, namespace: input.namespace, labels },
      spec: {
        replicas: 0,
        selector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "serving" } },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: { ...labels, ...SERVING_POD_LABELS }, annotations: { "finetune.dev/model-version": "none", ...modelCacheAnnotations(cache) } },
          spec: {
            ...podIdentity(c),
            ...gpuPodScheduling(c),
            initContainers: [
              toolsInit(c.images),
              helperContainer(c, "fetch", registryFetchCommand(SCRIPTS, l.registryModel, adapterDir), fetchMounts),
              // With a model cache, /models/base becomes a link into it (no download); vLLM mounts the cache too.
              {
                ...helperContainer(c, "fetch-base-model", storeFetchCommand(SCRIPTS, [[l.baseModel(spec.baseModel.revision), "/models/base"]]), [
                  ...fetchMounts,
                  ...modelCacheMounts(cache),
                ]),
                env: [...c.env, ...modelCacheEnv(cache)],
              },
            ],
            containers: [
              {
                name: "vllm",
                image: c.images.serving,
                command: ["vllm"],
                args,
                env: [
                  { name: "HOME", value: "/tmp" },
                  { name: "HF_HUB_OFFLINE", value: "1" },
                ],
                ports: [{ name: SERVING_METRICS_PORT, containerPort: SERVING_PORT, protocol: "TCP" }],
                startupProbe: { httpGet: { path: "/health", port: SERVING_PORT }, periodSeconds: 10, failureThreshold: 180 },
                readinessProbe: { httpGet: { path: "/health", port: SERVING_PORT }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: "/health", port: SERVING_PORT }, periodSeconds: 30, failureThreshold: 5 },
                volumeMounts: [mounts.models, mounts.tmp, mounts.dshm, ...modelCacheMounts(cache)],
                resources: vllmResources(input.pool, gpus),
                securityContext: CONTAINER_SECURITY_CONTEXT,
              },
            ],
            volumes: [
              scriptsVolume(names),
              TOOLS_VOLUME,
              { name: "models", emptyDir: { sizeLimit: `${spec.compute.ephemeralStorageGiB}Gi` } },
              TMP_VOLUME,
              dshmVolume(8),
              ...modelCacheVolumes(cache),
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: names.serving, namespace: input.namespace, labels },
      spec: {
        type: "ClusterIP",
        selector: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "serving" },
        ports: [{ name: SERVING_METRICS_PORT, port: SERVING_PORT, targetPort: SERVING_METRICS_PORT, protocol: "TCP" }],
      },
    },
  ];
  const a = spec.deployment.autoscaling;
  if (a.enabled) {
    out.push({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: names.serving, namespace: input.namespace, labels },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: names.serving },
        minReplicas: spec.deployment.replicas,
        maxReplicas: a.maxReplicas,
        metrics: [
          {
            type: "Pods",
            pods: { metric: { name: "vllm_num_requests_waiting" }, target: { type: "AverageValue", averageValue: String(a.targetRequestsWaiting) } },
          },
        ],
      },
    });
  }
  return out;
}
