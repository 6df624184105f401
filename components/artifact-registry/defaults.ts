/**
 * Defaults and limits of the artifact registry, shared by the three components and the `finetune:artifactStore`
 * config section (one table, no copies).
 */
import type { Problem } from "../../core/problem";

/** Stage images the kit builds and pushes, one repository each (ECR) or one package each (Artifact Registry). */
export const DEFAULT_STAGE_IMAGES = ["data-prep", "trainer", "evaluator", "serving"] as const;

/** Retention settings common to the cloud stores, with their defaults and limits. */
export const RETENTION = {
  /** Days a non-current (overwritten or deleted) checkpoint version is kept. */
  checkpointNoncurrentDays: { default: 7, min: 1, max: 3650 },
  /** Days any other non-current object version is kept. */
  noncurrentVersionDays: { default: 90, min: 1, max: 3650 },
  /** Days after which incomplete multipart uploads are aborted. */
  abortIncompleteUploadDays: { default: 7, min: 1, max: 365 },
  /** Soft-delete retention of Cloud Storage (GCS allows 7-90 days). */
  softDeleteDays: { default: 7, min: 7, max: 90 },
  /** Images kept per repository (newest first). */
  keepImages: { default: 30, min: 1, max: 1000 },
  /** Days after which untagged images are removed. */
  untaggedImageDays: { default: 7, min: 1, max: 365 },
  /** KMS key deletion waiting period (AWS allows 7-30 days). */
  kmsKeyDeletionDays: { default: 30, min: 7, max: 30 },
  /** Cloud KMS key rotation period in days. */
  keyRotationDays: { default: 90, min: 1, max: 36500 },
} as const;
export type RetentionSetting = keyof typeof RETENTION;

/** Image names: what ECR and Artifact Registry accept as one path component. */
export const IMAGE_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Problems with retention numbers a caller passed (each must be a whole number within its limits). */
export function retentionProblems(values: Partial<Record<RetentionSetting, number>>): Problem[] {
  const out: Problem[] = [];
  for (const [key, value] of Object.entries(values) as [RetentionSetting, number | undefined][]) {
    if (value === undefined) continue;
    const { min, max } = RETENTION[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      out.push({ path: key, message: `is ${value}, must be a whole number from ${min} to ${max} (set it within that range)` });
    }
  }
  const cp = values.checkpointNoncurrentDays ?? RETENTION.checkpointNoncurrentDays.default;
  const nc = values.noncurrentVersionDays ?? RETENTION.noncurrentVersionDays.default;
  if (cp > nc) {
    out.push({
      path: "checkpointNoncurrentDays",
      message: `is ${cp}, longer than noncurrentVersionDays (${nc}) which also covers checkpoints (lower it to ${nc} or raise noncurrentVersionDays)`,
    });
  }
  return out;
}

/** Problems with the image list (names and duplicates). */
export function imageProblems(images: readonly string[]): Problem[] {
  const out: Problem[] = [];
  if (images.length === 0) out.push({ path: "images", message: "is empty (list at least one stage image, e.g. trainer)" });
  const seen = new Set<string>();
  images.forEach((img, i) => {
    if (!IMAGE_NAME.test(img))
      out.push({ path: `images[${i}]`, message: `"${img}" is not a valid image name (use lowercase letters and digits, separated by '.', '_' or '-')` });
    if (seen.has(img)) out.push({ path: `images[${i}]`, message: `"${img}" is listed twice (remove the duplicate)` });
    seen.add(img);
  });
  return out;
}
