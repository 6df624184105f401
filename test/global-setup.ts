import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Runs once before the suite (vitest `globalSetup`): finds the outside tools the tests need and npm cannot
 * install, installs what can be installed, and otherwise stops the whole run once, at the start, with the one
 * line to run — instead of scattered failures in every file that uses the tool.
 *
 * - `promtool` (Debian package `prometheus`): installed with apt-get when the suite runs as root with apt.
 * - `helm`: `$HELM`, `helm` on the PATH, or `../shared/bin/helm` (shipped beside the checkout).
 */

function onPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, tool);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

function aptInstall(pkg: string): boolean {
  if (typeof process.getuid !== "function" || process.getuid() !== 0 || !onPath("apt-get")) return false;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  console.log(`[global-setup] installing Debian package ${pkg} (apt-get, as root) ...`);
  const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env, timeout: 300_000 });
  if (update.status !== 0) return false;
  const install = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", pkg], { stdio: "inherit", env, timeout: 600_000 });
  return install.status === 0;
}

/** What is missing, each as one line saying what to run. Exported for its test. */
export function missingTools(root: string, install: boolean): string[] {
  const problems: string[] = [];
  if (!process.env.PROMTOOL && !onPath("promtool") && !(install && aptInstall("prometheus") && onPath("promtool"))) {
    problems.push("promtool not found: run `sudo apt-get install -y prometheus` (or set PROMTOOL to a promtool binary)");
  }
  const helm = process.env.HELM ?? onPath("helm") ?? path.resolve(root, "..", "shared", "bin", "helm");
  if (!fs.existsSync(helm)) {
    problems.push(`helm not found (tried $HELM, the PATH and ${helm}): check out shared/ beside the repository, or install helm v4 and put it on the PATH`);
  }
  return problems;
}

export default function setup(): void {
  const root = path.resolve(__dirname, "..");
  const problems = missingTools(root, true);
  if (problems.length > 0) {
    throw new Error(`the test suite needs tools that are not installed:\n  ${problems.join("\n  ")}`);
  }
}
