import { describe, expect, it } from "vitest";
import { helmTemplateTextAsync } from "../validators/helm";
import { allRenderedReleases, type KitRelease } from "./releases";

/**
 * No dead values: every values leaf the kit sets changes what the chart renders, or it is listed below as a
 * deliberate restatement of a chart default. Helm ignores a key no template reads, so a misspelled or
 * outdated key (gpu-operator's `operator.defaultRuntime`, argo's `controller.workflowNamespaces` without the
 * RBAC it drives) passes every other test silently.
 *
 * Fast by construction (two cores): first every string and number leaf at once gets a unique marker and is alive
 * when its marker shows in the output (a failing render is split in halves); only the leaves left (booleans,
 * empty maps/lists, values the chart transforms) are changed one at a time and the render compared, a few
 * renders at a time.
 */

type Path = Array<string | number>;

interface Leaf {
  path: Path;
  value: unknown;
}

/** `a.b[0].c` */
function show(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** Every leaf of a values tree: scalars, and empty maps or lists (a key set to "nothing" is a setting too). */
function leavesOf(v: unknown, path: Path = []): Leaf[] {
  if (Array.isArray(v)) return v.length === 0 ? [{ path, value: v }] : v.flatMap((x, i) => leavesOf(x, [...path, i]));
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v);
    return entries.length === 0 ? [{ path, value: v }] : entries.flatMap(([k, x]) => leavesOf(x, [...path, k]));
  }
  return [{ path, value: v }];
}

/** A copy of `values` with the leaf at `path` replaced. */
function withLeaf(values: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const copy = structuredClone(values);
  let at: Record<string | number, unknown> = copy;
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>;
  at[path[path.length - 1]] = value;
  return copy;
}

/** A different value of the same shape (markers are lowercase DNS-safe strings, so names stay valid). */
function changed(value: unknown, marker: string): unknown {
  if (typeof value === "boolean") return !value;
  if (typeof value === "number") return value + 1;
  if (typeof value === "string") return marker;
  if (Array.isArray(value)) return [marker];
  if (value !== null && typeof value === "object") return { [marker]: marker };
  return marker;
}

const marker = (i: number): string => `ftkprobe${i}x`;
/** A number no chart default or kit value uses, unique per leaf, that can be found in the output. */
const numberMarker = (i: number): number => 7_310_000 + i;

/** Renders at most this many charts at once (helm is one process per render; the machine has few cores). */
const CONCURRENCY = 3;
let running = 0;
let renders = 0;
const waiting: Array<() => void> = [];

async function limited<T>(f: () => Promise<T>): Promise<T> {
  if (running >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await f();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * Parts of a render that differ on every run, masked before comparing: grafana 12.3.0 generates the admin
 * password (`randAlphaNum 40` in templates/secret.yaml when no admin.existingSecret is given) and annotates the
 * pod with that Secret's checksum.
 */
const RANDOM_PARTS = [/^(\s*admin-password: ).*$/gm, /^(\s*checksum\/secret: ).*$/gm];

function masked(text: string): string {
  return RANDOM_PARTS.reduce((t, re) => t.replace(re, "$1<random>"), text);
}

/** The rendered text of a release with other values, or `error` when helm refuses them (a template read them). */
async function render(rel: KitRelease, values: Record<string, unknown>): Promise<string | { error: string }> {
  renders++;
  try {
    // Without the charts' crds/ files: helm prints them verbatim (never templated), so values cannot change them,
    // and they are most of kube-prometheus-stack's output (render time 1.6 s → 0.7 s).
    return masked(await limited(() => helmTemplateTextAsync({ release: rel.release, chart: rel.chart, namespace: rel.namespace, values, includeCrds: false })));
  } catch (e) {
    return { error: String(e) };
  }
}

/**
 * Values keys the kit sets to the chart's own default on purpose, per chart, with the reason. Changing them
 * may change nothing in the render (e.g. a default that also applies when the key is absent).
 */
export const RESTATED_DEFAULTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "kube-prometheus-stack": {
    // Chart default `true`, stated so the CRDs are installed on purpose. It switches the `crds` subchart, whose
    // effect is its crds/ files, which these renders leave out (charts.test.ts renders and validates them).
    "crds.enabled": "restates the default; its effect lies in crds/ files, rendered and checked by charts.test.ts",
  },
};

/** Leaves of a release whose change renders the same output (and that are not restated defaults). */
async function deadLeaves(rel: KitRelease): Promise<string[]> {
  const chart = rel.chart.split("/").pop() ?? rel.chart;
  const [baseline, again] = await Promise.all([render(rel, rel.values), render(rel, rel.values)]);
  if (typeof baseline !== "string") throw new Error(`${rel.release}: the kit's own values do not render: ${baseline.error}`);
  // A render that is not reproducible (random names, generated certificates) would make every key look alive.
  if (again !== baseline) throw new Error(`${rel.release}: two renders of the same values differ; compare objects without the random parts`);
  const leaves = leavesOf(rel.values);
  const alive = new Set<number>();
  const probeValue = (leaf: Leaf, i: number): unknown => (typeof leaf.value === "number" ? numberMarker(i) : marker(i));

  // Phase 1: string and number leaves, all at once, each with its own marker; halves when helm refuses a group.
  const probe = async (group: number[]): Promise<void> => {
    if (group.length === 0) return;
    let values = rel.values;
    for (const i of group) values = withLeaf(values, leaves[i].path, probeValue(leaves[i], i));
    const out = await render(rel, values);
    if (typeof out === "string") {
      for (const i of group) if (out.includes(String(probeValue(leaves[i], i)))) alive.add(i);
    } else if (group.length > 1) {
      const half = Math.ceil(group.length / 2);
      await Promise.all([probe(group.slice(0, half)), probe(group.slice(half))]);
    }
  };
  await probe(leaves.flatMap((l, i) => (typeof l.value === "string" || typeof l.value === "number" ? [i] : [])));

  // Phase 2: every other leaf alone.
  const restated = RESTATED_DEFAULTS[chart] ?? {};
  const verdicts = await Promise.all(
    leaves.map(async (leaf, i) => {
      const key = show(leaf.path);
      if (alive.has(i) || restated[key]) return undefined;
      const out = await render(rel, withLeaf(rel.values, leaf.path, changed(leaf.value, marker(i))));
      return out === baseline ? `${key} = ${JSON.stringify(leaf.value)}` : undefined;
    }),
  );
  return verdicts.filter((v): v is string => v !== undefined);
}

/** Every distinct release (chart, namespace, values) of every stack and example. */
async function distinctReleases(): Promise<Array<{ program: string; release: KitRelease }>> {
  const seen = new Set<string>();
  const out: Array<{ program: string; release: KitRelease }> = [];
  for (const p of await allRenderedReleases()) {
    for (const r of p.releases) {
      const key = JSON.stringify([r.release, r.chart, r.namespace, r.values]);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ program: p.program, release: r });
    }
  }
  return out;
}

describe("no dead values", () => {
  it("every values leaf the kit sets changes the rendered chart (or restates a default, listed with its reason)", { timeout: 300_000 }, async () => {
    const started = Date.now();
    const findings: string[] = [];
    const releases = await distinctReleases();
    const dead = await Promise.all(releases.map(({ release }) => deadLeaves(release)));
    for (const [i, { program, release }] of releases.entries()) {
      findings.push(
        ...dead[i].map(
          (d) => `${program} / ${release.release} (${release.chart}): ${d} changes nothing (remove the key, or list it in RESTATED_DEFAULTS with the reason)`,
        ),
      );
    }
    console.log(`dead-values: ${releases.length} releases, ${renders} renders, ${Date.now() - started} ms`);
    expect(findings).toEqual([]);
  });

  it("planted fault: a key no template reads, at the top and nested, is reported", { timeout: 120_000 }, async () => {
    const jobset = (await distinctReleases()).find((r) => r.release.release === "jobset")!.release;
    const planted = { ...jobset, values: { ...withLeaf(jobset.values, ["controller", "replica"], 2), bogusKey: "on" } };
    expect(await deadLeaves(planted)).toEqual(["controller.replica = 2", 'bogusKey = "on"']);
  });
});
