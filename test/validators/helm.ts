import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "./schemas";

/**
 * Renders the pinned upstream charts (`../shared/charts/`, see its README.md and SOURCES.tsv) with helm
 * (`$HELM`, then `helm` on the PATH, then `../shared/bin/helm`), exactly as `pulumi up` would install them.
 */

/** A rendered Kubernetes object (plain data, as helm printed it). */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** The shared/ folder beside the repository (`FINETUNE_KIT_SHARED` overrides). Throws naming the path when missing. */
export function sharedDir(): string {
  const dir = process.env.FINETUNE_KIT_SHARED ? path.resolve(process.env.FINETUNE_KIT_SHARED) : path.resolve(repoRoot(), "..", "shared");
  if (!fs.existsSync(path.join(dir, "charts"))) {
    throw new Error(`shared chart folder not found: ${path.join(dir, "charts")} (check out shared/ beside the repository or set FINETUNE_KIT_SHARED)`);
  }
  return dir;
}

/** The helm binary: `$HELM`, `helm` on the PATH, or `../shared/bin/helm`. */
export function helmBinary(): string {
  if (process.env.HELM) return process.env.HELM;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "helm");
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return path.join(sharedDir(), "bin", "helm");
}

/**
 * The packaged chart for a chart name as the kit pins it (`kueue`, `oci://…/kueue`, `gpu-operator`, …).
 * argo-workflows: the kit pins 1.1.1; shared/ has 1.0.18 (the nearest release whose source is available).
 */
export function chartArchive(chart: string): string {
  const name = chart.split("/").pop() ?? chart;
  const charts = path.join(sharedDir(), "charts");
  const file = fs.readdirSync(charts).find((f) => f.endsWith(".tgz") && f.replace(/-v?\d[\w.-]*\.tgz$/, "") === name);
  if (!file) throw new Error(`no packaged chart for ${chart} in ${charts}`);
  return path.join(charts, file);
}

/** Options of one render. */
export interface HelmRenderArgs {
  /** Release name. */
  release: string;
  /** Chart name or OCI reference as the kit passes it. */
  chart: string;
  /** Release namespace. */
  namespace: string;
  /** Values exactly as the kit passes them. */
  values: Record<string, unknown>;
  /** Kubernetes version helm renders for. @default "1.33" */
  kubeVersion?: string;
  /** Print the charts' `crds/` files too (helm never templates them: values cannot change them). @default true */
  includeCrds?: boolean;
}

const cache = new Map<string, RenderedObject[]>();

/** Runs `helm template --include-crds --skip-tests` with the values in a temporary file; `run` gets binary, argv, env. */
function withHelmInvocation<T>(args: HelmRenderArgs, run: (bin: string, argv: string[], env: NodeJS.ProcessEnv) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ftkit-helm-"));
  const cleanup = (): void => fs.rmSync(dir, { recursive: true, force: true });
  // JSON (valid YAML): helm reads every scalar with the type the kit gave it (YAML 1.1 would read `off` as false).
  const valuesFile = path.join(dir, "values.json");
  fs.writeFileSync(valuesFile, JSON.stringify(args.values ?? {}));
  const argv = [
    "template",
    args.release,
    chartArchive(args.chart),
    "--namespace",
    args.namespace,
    "-f",
    valuesFile,
    ...(args.includeCrds === false ? [] : ["--include-crds"]),
    "--skip-tests",
    "--kube-version",
    args.kubeVersion ?? "1.33",
  ];
  const env = { ...process.env, HELM_CACHE_HOME: path.join(dir, "cache"), HELM_CONFIG_HOME: path.join(dir, "config"), HELM_DATA_HOME: path.join(dir, "data") };
  let result: T;
  try {
    result = run(helmBinary(), argv, env);
  } catch (e) {
    cleanup();
    throw e;
  }
  if (result instanceof Promise) return result.finally(cleanup) as T;
  cleanup();
  return result;
}

/** The text `helm template` prints for a pinned chart (no parsing: for comparing renders cheaply). */
export function helmTemplateText(args: HelmRenderArgs): string {
  return withHelmInvocation(args, (bin, argv, env) => execFileSync(bin, argv, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env }));
}

/** {@link helmTemplateText} without blocking, so that several renders run at once. */
export function helmTemplateTextAsync(args: HelmRenderArgs): Promise<string> {
  return withHelmInvocation(
    args,
    (bin, argv, env) =>
      new Promise<string>((resolve, reject) =>
        execFile(bin, argv, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
        ),
      ),
  );
}

/** `helm template --include-crds --skip-tests` of a pinned chart; the objects, in order (cached per input). */
export function helmTemplate(args: HelmRenderArgs): RenderedObject[] {
  const key = JSON.stringify(args);
  const hit = cache.get(key);
  if (hit) return hit;
  const objects = parseAllDocuments(helmTemplateText(args))
    .map((d) => d.toJS() as RenderedObject | null)
    .filter((o): o is RenderedObject => !!o && typeof o === "object" && typeof o.kind === "string");
  for (const o of objects) {
    o.metadata = o.metadata ?? {};
  }
  cache.set(key, objects);
  return objects;
}
