import * as fs from "fs";
import * as path from "path";

/** File names of the stage scripts the kit ships (pipelines/scripts), all python3 standard library, and the constants file they read. */
export const STAGE_SCRIPTS = [
  "ftkit_store.py",
  "ftkit_run.py",
  "prepare_dataset.py",
  "fetch_model.py",
  "setup_training.py",
  "checkpoints.py",
  "train_launcher.py",
  "ftkit_trainer_plugin.py",
  "sagemaker_entry.py",
  "evaluate.py",
  "register_model.py",
  "push_metrics.py",
  "ftkit_contract.json",
] as const;

/** The scripts directory, found from this file upwards (works from the sources and from dist/). */
export function stageScriptsDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, "pipelines", "scripts");
    if (fs.existsSync(path.join(candidate, "ftkit_store.py"))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`finetune-kit: pipelines/scripts not found above ${__dirname} (the package ships it; reinstall finetune-kit)`);
}

/** File name → content of every stage script (what the scripts ConfigMap / S3 code prefix holds). */
export function loadStageScripts(): Record<string, string> {
  const dir = stageScriptsDir();
  return Object.fromEntries(STAGE_SCRIPTS.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}
