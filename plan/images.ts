/**
 * The plan's image files: `images.json` (every image the stack's runtime pulls, with its source and how it gets
 * there) and, where images must be copied, `mirror-images.sh` (one command, every argument single-quoted).
 */
import * as versions from "../core/versions";
import { imageRef, type ImagePin } from "../core/versions";
import { mirrorScript, parseImageRef } from "../core/images";
import { sageMakerImagePlan } from "../stacks/aws-sagemaker";
import type { KitConfig } from "../stacks/config/schema";
import type { KubernetesManifest } from "./manifests";

/** One image the runtime pulls. */
export interface ImageSourceEntry {
  /** The reference as the runtime pulls it. */
  image: string;
  /** Where it comes from: the pinned upstream reference, or `config` for an image the config names. */
  source: string;
  /** `direct`: pulled from its upstream registry; `mirror`: copied by mirror-images.sh; `pull-through`: an ECR cache rule. */
  via: "direct" | "mirror" | "pull-through" | "config";
}

/** Every pin of core/versions.ts, by its fully qualified reference. */
export function pinnedImages(): Map<string, ImagePin> {
  const out = new Map<string, ImagePin>();
  for (const group of [versions.GPU_STACK_IMAGES, versions.PIPELINE_IMAGES, versions.REGISTRY_IMAGES, versions.MONITORING_IMAGES]) {
    for (const pin of Object.values(group) as ImagePin[]) out.set(qualified(imageRef(pin)), pin);
  }
  return out;
}

/** `python:3.12` → `docker.io/library/python:3.12`; a reference that does not parse stays as it is. */
export function qualified(ref: string): string {
  try {
    const n = parseImageRef(ref);
    return `${n.registry}/${n.path}:${n.tag}`;
  } catch {
    return ref;
  }
}

/** Every `image` string of containers, init containers and Argo templates in the manifests, in order, once each. */
export function manifestImages(manifests: KubernetesManifest[]): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k === "image" && typeof x === "string") found.add(x);
        else walk(x);
      }
    }
  };
  manifests.forEach(walk);
  return [...found];
}

/** The image files of a plan, relative to `<out>/<stack>/`. */
export function imagePlanFiles(config: KitConfig, manifests: KubernetesManifest[]): Map<string, string> {
  const files = new Map<string, string>();
  const sm = config.target === "aws-sagemaker" ? sageMakerImagePlan(config) : undefined;
  if (sm) {
    const images: ImageSourceEntry[] = Object.values(sm.plan.images).map((i) => ({ image: i.uri, source: i.source, via: i.via }));
    files.set(
      "images.json",
      JSON.stringify({ registry: sm.registryHost, pullThroughRules: sm.plan.rules, images, mirrorCommand: "sh mirror-images.sh" }, null, 2),
    );
    files.set("mirror-images.sh", mirrorScript(sm.plan, sm.registryHost, sm.region));
    return files;
  }
  const pins = pinnedImages();
  const images: ImageSourceEntry[] = manifestImages(manifests).map((image) => {
    const pin = pins.get(qualified(image));
    return pin ? { image, source: qualified(image), via: "direct" } : { image, source: "config", via: "config" };
  });
  files.set("images.json", JSON.stringify({ images }, null, 2));
  return files;
}

/** One line for the plan summary: where the images come from, and the command to run when some must be copied. */
export function imagePlanLine(files: Map<string, string>, dir: string): string {
  const doc = JSON.parse(files.get("images.json") ?? '{"images":[]}') as { images: ImageSourceEntry[] };
  const count = (via: ImageSourceEntry["via"]) => doc.images.filter((i) => i.via === via).length;
  const parts = [
    `${count("direct")} pulled from their upstream registries`,
    `${count("pull-through")} through ECR pull-through caches`,
    `${count("mirror")} mirrored`,
    `${count("config")} named by config`,
  ];
  const run = files.has("mirror-images.sh") ? `; copy them before the first run: sh ${dir}/mirror-images.sh` : "";
  return `Images: ${parts.join(", ")} (${dir}/images.json)${run}`;
}
