import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  KUBERNETES_PROGRAM,
  KUBERNETES_PROGRAM_RESOURCES,
  REPO_ROOT,
  installInto,
  pinned,
  removeDir,
  runProgram,
  sh,
  tempDir,
  typecheck,
  writeFreshProject,
} from "./fresh-project";

/**
 * The kit installed from a git URL, as `npm install git+https://…/finetune-kit.git` does: npm clones the
 * repository, installs its dependencies and runs `prepare` (the build), then installs the result. Offline, the URL
 * is a local clone of this checkout's HEAD (committed state; a dirty working tree is not part of it).
 */
describe("installed from a git URL", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDir));

  it("npm install git+file://<clone> builds the kit through prepare; the project type-checks and runs under mocks", async () => {
    const work = tempDir("git");
    dirs.push(work);
    const clone = path.join(work, "finetune-kit");
    await sh("git", ["clone", "--quiet", REPO_ROOT, clone], work);
    expect(fs.existsSync(path.join(clone, "dist"))).toBe(false);

    const project = path.join(work, "project");
    fs.mkdirSync(project);
    writeFreshProject(project, KUBERNETES_PROGRAM.imports, KUBERNETES_PROGRAM.program);
    await installInto(project, [`git+file://${clone}`, pinned("@pulumi/pulumi"), pinned("@pulumi/kubernetes")]);
    const installed = path.join(project, "node_modules", "finetune-kit");
    for (const f of [
      "dist/index.js",
      "dist/api/kubernetes.d.ts",
      "dist/policy/package.json",
      "dist/policy/PulumiPolicy.yaml",
      "pipelines/scripts/ftkit_store.py",
    ])
      expect(fs.existsSync(path.join(installed, f)), f).toBe(true);

    await typecheck(project);
    const resources = await runProgram(project);
    expect(resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual(KUBERNETES_PROGRAM_RESOURCES);
  }, 480_000);
});
