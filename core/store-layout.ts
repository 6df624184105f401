/**
 * The artifact layout: one run-scoped key layout that every platform uses (S3, GCS, MinIO or any
 * S3-compatible store). Pure: no Pulumi imports, plain strings in and out.
 *
 * ```text
 * <scheme>://<bucket>/
 *   datasets/<dataset>/<version>/...              raw and prepared datasets (immutable once written)
 *   models/<hub-id>@<revision>/...                 base-model snapshots, e.g. models/meta-llama/Llama-3.1-8B@5206a32/
 *   runs/<pipeline>/<run-id>/<stage>/...           every stage's outputs, one folder per stage of one run
 *   checkpoints/<pipeline>/<run-id>/...            training checkpoints; the newest one is the resume point
 *   registry/<model>/<version>/                    the model registry: one folder per released version
 *   registry/<model>/<version>/model-card.md       its model card (base model, data, method, eval gate results)
 *   registry/<model>/<version>/artifacts/...       the adapter or merged weights that were evaluated
 * ```
 *
 * Rules: keys never start or end with `/`; a run never writes outside `runs/<pipeline>/<run-id>/` and
 * `checkpoints/<pipeline>/<run-id>/`; `models/`, `datasets/` and `registry/` entries are written once and never
 * overwritten (a new revision or version gets a new folder). Versioning and soft delete on the bucket make an
 * accidental overwrite or delete recoverable; lifecycle rules only ever expire *non-current* versions, and
 * expire those under `checkpoints/` sooner than the rest because checkpoints are large and replaced often.
 */

/** The top-level areas of the layout, in the order the README lists them. */
export const LayoutArea = {
  Datasets: "datasets",
  Models: "models",
  Runs: "runs",
  Checkpoints: "checkpoints",
  Registry: "registry",
} as const;
export type LayoutArea = (typeof LayoutArea)[keyof typeof LayoutArea];

/** Every area, for tables and policies that cover the whole layout. */
export const LAYOUT_AREAS: readonly LayoutArea[] = Object.values(LayoutArea);

/** File name of the model card inside a registry version folder. */
export const MODEL_CARD_FILE = "model-card.md";

/** Object-store schemes the layout is addressed with: the contract's `StoreScheme` (an enum the provider host accepts). */
import type { StoreScheme } from "./contracts/artifact-store";
export type { StoreScheme };

/** The part of a store that the URIs are built from (an `ArtifactStoreContract` is one). */
export interface StoreLocation {
  scheme: StoreScheme;
  bucket: string;
}

/** `<scheme>://<bucket>` */
export function bucketUri(store: StoreLocation): string {
  return `${store.scheme}://${store.bucket}`;
}

/** `<scheme>://<bucket>/<area>` — the area URIs of the contract (no trailing slash). */
export function areaUri(store: StoreLocation, area: LayoutArea): string {
  return `${bucketUri(store)}/${area}`;
}

/** The five area URIs as the contract names them. */
export function layoutUris(store: StoreLocation): { datasetsUri: string; modelsUri: string; runsUri: string; checkpointsUri: string; registryUri: string } {
  return {
    datasetsUri: areaUri(store, LayoutArea.Datasets),
    modelsUri: areaUri(store, LayoutArea.Models),
    runsUri: areaUri(store, LayoutArea.Runs),
    checkpointsUri: areaUri(store, LayoutArea.Checkpoints),
    registryUri: areaUri(store, LayoutArea.Registry),
  };
}

/** One path segment: no `/`, not empty, not `.`/`..`, no whitespace or control characters. */
const SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._=+-]+$/;
/** A Hugging Face hub id: `name` or `org/name`. */
const HUB_ID = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/;

function segment(what: string, value: string): string {
  if (!SEGMENT.test(value)) {
    throw new Error(`${what} "${value}" is not a valid path segment (use letters, digits, '.', '_', '-', '=' or '+', no '/')`);
  }
  return value;
}

/** Key prefix (ends with `/`) of a dataset version: `datasets/<dataset>/<version>/`. */
export function datasetPrefix(dataset: string, version: string): string {
  return `${LayoutArea.Datasets}/${segment("dataset", dataset)}/${segment("dataset version", version)}/`;
}

/**
 * Key prefix of a base-model snapshot: `models/<hub-id>@<revision>/`. The revision should be a commit hash so
 * that a snapshot never changes under a run.
 */
export function modelPrefix(hubId: string, revision: string): string {
  if (!HUB_ID.test(hubId)) throw new Error(`hub id "${hubId}" must be "name" or "org/name" (letters, digits, '.', '_', '-')`);
  return `${LayoutArea.Models}/${hubId}@${segment("revision", revision)}/`;
}

/** Key prefix of one stage of one run: `runs/<pipeline>/<run-id>/<stage>/`. */
export function runStagePrefix(pipeline: string, runId: string, stage: string): string {
  return `${runPrefix(pipeline, runId)}${segment("stage", stage)}/`;
}

/** Key prefix of one run: `runs/<pipeline>/<run-id>/`. */
export function runPrefix(pipeline: string, runId: string): string {
  return `${LayoutArea.Runs}/${segment("pipeline", pipeline)}/${segment("run id", runId)}/`;
}

/** Key prefix of a run's checkpoints: `checkpoints/<pipeline>/<run-id>/`. */
export function checkpointPrefix(pipeline: string, runId: string): string {
  return `${LayoutArea.Checkpoints}/${segment("pipeline", pipeline)}/${segment("run id", runId)}/`;
}

/** Key prefix of a registered model version: `registry/<model>/<version>/`. */
export function registryVersionPrefix(model: string, version: string): string {
  return `${LayoutArea.Registry}/${segment("model", model)}/${segment("model version", version)}/`;
}

/** Key of a model version's card: `registry/<model>/<version>/model-card.md`. */
export function modelCardKey(model: string, version: string): string {
  return `${registryVersionPrefix(model, version)}${MODEL_CARD_FILE}`;
}

/** Full URI of a key or key prefix in the store: `<scheme>://<bucket>/<key>`. */
export function objectUri(store: StoreLocation, key: string): string {
  if (key.startsWith("/")) throw new Error(`key "${key}" must not start with '/'`);
  return `${bucketUri(store)}/${key}`;
}

/**
 * Normalises a grant prefix to the form IAM resources and conditions use: `""` (whole bucket) or
 * `area/.../` ending with `/`. Rejects a leading `/`, `..` segments and wildcards.
 */
export function normalizePrefix(prefix: string): string {
  if (prefix === "" || prefix === "/") return "";
  if (prefix.startsWith("/")) throw new Error(`prefix "${prefix}" must not start with '/' (write it relative to the bucket, e.g. "checkpoints/")`);
  if (/[*?]/.test(prefix)) throw new Error(`prefix "${prefix}" must not contain wildcards (grants add them)`);
  const trimmed = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  for (const s of trimmed.split("/")) segment("prefix segment", s);
  return `${trimmed}/`;
}

/** A store prefix as a resource-name slug (`models/acme/` → `models-acme`; the whole bucket → `all`). */
export function prefixSlug(prefix: string): string {
  const p = normalizePrefix(prefix);
  return p
    ? p
        .slice(0, -1)
        .replace(/[^a-z0-9]+/gi, "-")
        .toLowerCase()
    : "all";
}
