import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { KitConfigSchema } from "../stacks/config/schema";

const root = path.resolve(__dirname, "..");
const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

describe("the project files a user's pulumi up and npm install rely on", () => {
  const project = parse(read("Pulumi.yaml")) as Record<string, any>;

  it("Pulumi.yaml runs stacks/index.ts with the nodejs runtime and finds stack configs in stacks/", () => {
    expect(project.name).toBe("finetune");
    expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true } });
    expect(project.main).toBe("stacks/");
    expect(fs.existsSync(path.join(root, "stacks", "index.ts"))).toBe(true);
    expect(project.stackConfigDir).toBe("stacks");
    for (const s of ["kubernetes", "gcp", "aws-sagemaker"]) expect(fs.existsSync(path.join(root, "stacks", `Pulumi.${s}.yaml`))).toBe(true);
  });

  it("declares only keys the kit's schema knows, each typed and described, and disables default providers", () => {
    const keys = Object.keys(KitConfigSchema.shape);
    const declared = Object.entries(project.config as Record<string, any>).filter(([k]) => !k.includes(":"));
    expect(declared.length).toBeGreaterThan(0);
    for (const [k, v] of declared) {
      expect(keys).toContain(k);
      expect(["string", "integer", "boolean", "array"]).toContain(v.type);
      expect(typeof v.description).toBe("string");
    }
    expect(project.config["pulumi:disable-default-providers"]).toEqual(["*"]);
  });

  it("the stack entry exports the program as a function (Pulumi awaits it and uses its result as outputs)", async () => {
    const entry = (await import("../stacks/index")) as unknown as { default: unknown };
    expect(typeof entry.default).toBe("function");
  });

  it("package.json exports the API and the policy pack from the build, and has the scripts the README names", () => {
    const pkg = JSON.parse(read("package.json"));
    expect(pkg.name).toBe("finetune-kit");
    expect(pkg.exports["."].default).toBe("./dist/index.js");
    expect(pkg.exports["./policy"].default).toBe("./dist/policy/library.js");
    expect(pkg.exports["./policy"].types).toBe("./dist/policy/library.d.ts");
    for (const entry of ["aws", "gcp", "kubernetes"]) {
      expect(pkg.exports[`./${entry}`]).toEqual({ types: `./dist/api/${entry}.d.ts`, default: `./dist/api/${entry}.js` });
      // moduleResolution "node" (node10, Pulumi's TypeScript template) ignores `exports`: typesVersions maps the subpath.
      expect(pkg.typesVersions["*"][entry]).toEqual([`dist/api/${entry}.d.ts`]);
    }
    expect(pkg.typesVersions["*"].policy).toEqual(["dist/policy/library.d.ts"]);
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(["build", "typecheck", "test", "plan", "bench", "docs"]));
    expect(pkg.scripts.test).toBe("npm run typecheck && npm run format:check && vitest run");
  });

  it("package.json makes an installable library: built on prepare, the cloud SDKs as peers, exact pins for the repo", () => {
    const pkg = JSON.parse(read("package.json"));
    expect(pkg.private).toBeUndefined();
    expect(pkg.scripts.prepare).toBe("npm run build");
    expect(pkg.files).toContain("dist");
    // Only what the built code needs at run time; the Pulumi SDKs are the user's (one copy per program).
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["@pulumi/policy", "yaml", "zod"]);
    expect(pkg.peerDependencies).toEqual({
      "@pulumi/aws": ">=7.48.0 <8",
      "@pulumi/gcp": ">=9.37.0 <10",
      "@pulumi/kubernetes": ">=4.34.2 <5",
      "@pulumi/pulumi": ">=3.248.0 <4",
    });
    expect(pkg.peerDependenciesMeta).toEqual({ "@pulumi/aws": { optional: true }, "@pulumi/gcp": { optional: true } });
    // The repository's own tests run against the lowest version each peer range admits, pinned exactly.
    for (const [name, range] of Object.entries(pkg.peerDependencies as Record<string, string>)) {
      expect(pkg.devDependencies[name]).toBe(/^>=(\S+) /.exec(range)![1]);
    }
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("CI runs the README's test command and its Quickstart plan", () => {
    const ci = read(".ci/run");
    const readme = read("README.md");
    expect(readme).toContain("npm ci && npm run plan -- --stack kubernetes\nnpm test\n");
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).toMatch(/^npm run plan -- --stack kubernetes/m);
    expect(ci).toContain("apt-get install");
  });
});
