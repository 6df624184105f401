import type { EngineConfig } from "../plan/stack-config";

/**
 * The same engine config with exactly `n` pipelines: the config's pipelines repeated with unique names
 * (`<name>-<i>`), so the benchmark measures how the plan scales with the number of pipelines.
 */
export function withPipelines(engine: EngineConfig, n: number): EngineConfig {
  const raw = engine.config["finetune:pipelines"];
  const pipelines = raw ? (JSON.parse(raw) as Array<{ name: string }>) : [];
  if (pipelines.length === 0) throw new Error("the stack config has no finetune:pipelines to scale (add one to stacks/Pulumi.<stack>.yaml)");
  const out = Array.from({ length: n }, (_, i) => {
    const base = pipelines[i % pipelines.length];
    return { ...base, name: `${base.name}-${i + 1}`.slice(0, 40) };
  });
  return { ...engine, config: { ...engine.config, "finetune:pipelines": JSON.stringify(out) } };
}
