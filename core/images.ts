/**
 * The one table of where each pinned pipeline image comes from and where the runtime pulls it. Pure: no
 * Pulumi imports. The AWS registry creates its ECR repositories and pull-through cache rules from it, the
 * SageMaker definition takes its image URIs from the contract the registry fills from it, and the offline plan
 * writes the mirror command from it: one table, so that a repository and a reference cannot disagree.
 *
 * How an image reaches the account's ECR (the only registry SageMaker pulls from):
 * - **pull-through cache**: the upstream registry is one ECR can cache (table {@link ECR_PULL_THROUGH_UPSTREAMS})
 *   and, where that registry needs credentials, the caller named a Secrets Manager secret for it. ECR creates
 *   `<name>/<upstream>/<path>` on the first pull.
 * - **mirror**: every other image (nvcr.io, or Docker Hub without credentials) is copied into `<name>/<role>`
 *   by the command `plan` writes (`out/<stack>/mirror-images.sh`).
 */
import { PIPELINE_IMAGES, imageRef, type ImagePin } from "./versions";
import type { Problem } from "./problem";
import { STAGE_IMAGE_ROLES, type StageImageRole } from "./contracts/artifact-store";

/** Each role's pin and the repository (`<name>/<repository>`) it is mirrored into when it is not pull-through cached. */
export const STAGE_IMAGES: Readonly<Record<StageImageRole, { pin: ImagePin; repository: string }>> = {
  python: { pin: PIPELINE_IMAGES.python, repository: "python" },
  trainer: { pin: PIPELINE_IMAGES.trainer, repository: "trainer" },
  evaluator: { pin: PIPELINE_IMAGES.evaluator, repository: "evaluator" },
  serving: { pin: PIPELINE_IMAGES.serving, repository: "serving" },
};

/** Upstream registries with credentials ECR needs for a pull-through cache rule. */
export const CREDENTIALED_UPSTREAMS = ["docker-hub", "github-container-registry", "gitlab-container-registry"] as const;
export type CredentialedUpstream = (typeof CREDENTIALED_UPSTREAMS)[number];

/** Secrets Manager ARNs of upstream registry credentials, by {@link CredentialedUpstream}. */
export interface UpstreamCredentialArns {
  /** Docker Hub. */
  "docker-hub"?: string;
  /** GitHub Container Registry (ghcr.io). */
  "github-container-registry"?: string;
  /** GitLab Container Registry. */
  "gitlab-container-registry"?: string;
}

/** An upstream registry ECR can cache. */
export interface PullThroughUpstream {
  /** ECR's name of the upstream (`upstreamRegistry` in the API). */
  upstream: string;
  /** `upstreamRegistryUrl` of the rule. */
  url: string;
  /** Path component after `<name>/` of the cache prefix. */
  prefix: string;
  /** Whether ECR needs a Secrets Manager secret (`ecr-pullthroughcache/...`) with the registry's credentials. */
  credentials: boolean;
}

/**
 * Registries ECR can cache, by the host an image reference names. Source: Amazon ECR API reference,
 * CreatePullThroughCacheRule `upstreamRegistryUrl` (ECR Public, Docker Hub, Quay, Kubernetes, GitHub Container
 * Registry, GitLab Container Registry; Azure and cross-account ECR need a host per registry and are not used by
 * the pins); Docker Hub, GitHub and GitLab need credentials. NVIDIA NGC (`nvcr.io`) is not supported: mirror it.
 */
export const ECR_PULL_THROUGH_UPSTREAMS: Readonly<Record<string, PullThroughUpstream>> = {
  "public.ecr.aws": { upstream: "ecr-public", url: "public.ecr.aws", prefix: "ecr-public", credentials: false },
  "quay.io": { upstream: "quay", url: "quay.io", prefix: "quay", credentials: false },
  "registry.k8s.io": { upstream: "k8s", url: "registry.k8s.io", prefix: "k8s", credentials: false },
  "docker.io": { upstream: "docker-hub", url: "registry-1.docker.io", prefix: "docker-hub", credentials: true },
  "ghcr.io": { upstream: "github-container-registry", url: "ghcr.io", prefix: "ghcr", credentials: true },
  "registry.gitlab.com": { upstream: "gitlab-container-registry", url: "registry.gitlab.com", prefix: "gitlab", credentials: true },
};

/** A parsed image reference: registry host, repository path (Docker Hub official images under `library/`) and tag. */
export interface ImageName {
  registry: string;
  path: string;
  tag: string;
}

/** `python:3.12` → `docker.io/library/python:3.12`; `nvcr.io/nvidia/x:1` stays; digests are not accepted (pins are tags). */
export function parseImageRef(ref: string): ImageName {
  const m = /^((?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(ref);
  if (!m) throw new Error(`image "${ref}" is not <repository>:<tag> (pin a tag from core/versions.ts)`);
  const parts = m[1].split("/");
  const hasHost = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === "localhost");
  const registry = hasHost ? parts[0] : "docker.io";
  const rest = hasHost ? parts.slice(1) : parts;
  const path = registry === "docker.io" && rest.length === 1 ? `library/${rest[0]}` : rest.join("/");
  return { registry, path, tag: m[2] };
}

/** The fully qualified reference (`docker.io/library/python:3.12`). */
export function qualifiedRef(pin: ImagePin): string {
  const n = parseImageRef(imageRef(pin));
  return `${n.registry}/${n.path}:${n.tag}`;
}

/** How a pinned image reaches the account's ECR. */
export const ImageDelivery = {
  /** An ECR pull-through cache rule fetches it on first pull. */
  PullThrough: "pull-through",
  /** The mirror command `plan` writes copies it. */
  Mirror: "mirror",
} as const;
export type ImageDelivery = (typeof ImageDelivery)[keyof typeof ImageDelivery];

/** Where one role's image is pulled from and how it gets there. */
export interface PlannedImage {
  role: StageImageRole;
  /** Fully qualified upstream reference. */
  source: string;
  /** The reference the runtime pulls (in the account's ECR). */
  uri: string;
  /** ECR repository name the image lives in. */
  repository: string;
  /** How the image gets there. */
  via: ImageDelivery;
}

/** A pull-through cache rule the registry creates. */
export interface PlannedPullThroughRule {
  /** ECR repository prefix (`<name>/<upstream prefix>`). */
  prefix: string;
  upstream: string;
  url: string;
  /** Secrets Manager ARN of the upstream credentials (credentialed upstreams only). */
  credentialArn?: string;
}

/** The planned image of each stage role. */
export interface PlannedImages {
  /** The image the stage scripts run in. */
  python: PlannedImage;
  /** The training image. */
  trainer: PlannedImage;
  /** The evaluation image. */
  evaluator: PlannedImage;
  /** The serving image. */
  serving: PlannedImage;
}

/** What the registry creates and what must be copied, for one kit name and registry. */
export interface EcrImagePlan {
  /** The plan of each stage image. */
  images: PlannedImages;
  rules: PlannedPullThroughRule[];
  /** Repository names (`<name>/<repository>`) the mirror command copies into. */
  mirrorRepositories: string[];
}

/** ECR's limit on a pull-through cache rule's repository prefix (CreatePullThroughCacheRule: 2-30 characters). */
export const ECR_PULL_THROUGH_PREFIX_MAX = 30;

/**
 * The image plan of a registry named `name` at `registryHost` (`<account>.dkr.ecr.<region>.amazonaws.com`):
 * pull-through where ECR supports the upstream and, if it needs them, credentials are given; mirror otherwise.
 */
export function ecrImagePlan(name: string, registryHost: string, credentialArns: Partial<Record<CredentialedUpstream, string>> = {}): EcrImagePlan {
  const rules = new Map<string, PlannedPullThroughRule>();
  const images = {} as Record<StageImageRole, PlannedImage>;
  for (const role of STAGE_IMAGE_ROLES) {
    const { pin, repository } = STAGE_IMAGES[role];
    const n = parseImageRef(imageRef(pin));
    const source = `${n.registry}/${n.path}:${n.tag}`;
    const up = ECR_PULL_THROUGH_UPSTREAMS[n.registry];
    const credentialArn = up?.credentials ? credentialArns[up.upstream as CredentialedUpstream] : undefined;
    if (up && (!up.credentials || credentialArn)) {
      const prefix = `${name}/${up.prefix}`;
      rules.set(prefix, { prefix, upstream: up.upstream, url: up.url, ...(credentialArn ? { credentialArn } : {}) });
      const repo = `${prefix}/${n.path}`;
      images[role] = { role, source, uri: `${registryHost}/${repo}:${n.tag}`, repository: repo, via: "pull-through" };
    } else {
      const repo = `${name}/${repository}`;
      images[role] = { role, source, uri: `${registryHost}/${repo}:${n.tag}`, repository: repo, via: "mirror" };
    }
  }
  const mirrorRepositories = [
    ...new Set(
      Object.values(images)
        .filter((i) => i.via === "mirror")
        .map((i) => i.repository),
    ),
  ];
  return { images, rules: [...rules.values()], mirrorRepositories };
}

/** Problems of the pull-through part of a plan (prefix length). */
export function pullThroughProblems(plan: EcrImagePlan): Problem[] {
  return plan.rules
    .filter((r) => r.prefix.length > ECR_PULL_THROUGH_PREFIX_MAX)
    .map((r) => ({
      path: "upstreamCredentialArns",
      message: `pull-through prefix "${r.prefix}" is ${r.prefix.length} characters, ECR allows ${ECR_PULL_THROUGH_PREFIX_MAX} (use a shorter kit name, or leave the ${r.upstream} credentials out to mirror those images)`,
    }));
}

/** Problems of credential ARNs: Secrets Manager secrets named `ecr-pullthroughcache/...` in the registry's region. */
export function credentialArnProblems(arns: UpstreamCredentialArns | Partial<Record<string, string>>, region: string): Problem[] {
  const out: Problem[] = [];
  // Any key may arrive from JavaScript or another language: every one is checked.
  for (const [upstream, arn] of Object.entries(arns as Partial<Record<string, string>>)) {
    const path = `upstreamCredentialArns.${upstream}`;
    if (!(CREDENTIALED_UPSTREAMS as readonly string[]).includes(upstream)) {
      out.push({
        path: path,
        message: `"${upstream}" needs no credentials or is not an ECR pull-through upstream (use one of ${CREDENTIALED_UPSTREAMS.join(", ")})`,
      });
      continue;
    }
    const m = /^arn:aws(?:-[a-z-]+)?:secretsmanager:([a-z0-9-]+):\d{12}:secret:(.+)$/.exec(arn ?? "");
    if (!m)
      out.push({
        path: path,
        message: `"${arn}" is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:ecr-pullthroughcache/<name>)`,
      });
    else if (!m[2].startsWith("ecr-pullthroughcache/"))
      out.push({
        path: path,
        message: `secret "${m[2]}" must be named ecr-pullthroughcache/<name> (ECR only reads secrets with that prefix; create it under that name)`,
      });
    else if (m[1] !== region)
      out.push({ path: path, message: `secret is in ${m[1]}, the registry in ${region} (ECR needs the secret in the registry's region)` });
  }
  return out;
}

/** POSIX shell single quoting: the string comes back as one word, whatever it contains. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The mirror command: logs in to ECR, copies every mirrored image (skipping one already there: tags are
 * immutable) with `crane copy` (keeps the digest and every platform), and pulls every pull-through image once
 * so that ECR creates its cache repository before the first pipeline run.
 */
export function mirrorScript(plan: EcrImagePlan, registryHost: string, region: string): string {
  const images = Object.values(plan.images);
  const lines = [
    "#!/bin/sh",
    "# Generated by `npm run plan`: puts the pinned pipeline images where SageMaker pulls them (this account's ECR).",
    "# Needs the AWS CLI (credentials allowed to push to the repositories below) and crane (github.com/google/go-containerregistry).",
    "set -eu",
    `aws ecr get-login-password --region ${shellQuote(region)} | crane auth login ${shellQuote(registryHost)} --username AWS --password-stdin`,
  ];
  for (const i of images.filter((x) => x.via === "mirror")) {
    lines.push(`crane digest ${shellQuote(i.uri)} >/dev/null 2>&1 || crane copy ${shellQuote(i.source)} ${shellQuote(i.uri)}`);
  }
  for (const i of images.filter((x) => x.via === "pull-through")) {
    lines.push(`crane manifest ${shellQuote(i.uri)} >/dev/null  # pull-through cache of ${i.source}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The URI a runtime pulls `role`'s pinned image from in `store`'s registry: the contract's entry (pull-through
 * cache or mirror repository), else the mirror repository `<containerRegistry>/<repository>:<tag>`.
 */
export function stageImageUri(store: { containerRegistry: string; images?: Partial<Record<StageImageRole, string>> }, role: StageImageRole): string {
  const { pin, repository } = STAGE_IMAGES[role];
  return store.images?.[role] ?? `${store.containerRegistry.replace(/\/+$/, "")}/${repository}:${pin.tag}`;
}
