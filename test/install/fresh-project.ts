/**
 * A fresh Pulumi project, made the way Pulumi's TypeScript template makes one, that installs finetune-kit the way
 * a user does (a tarball from `npm pack`, or a git URL) and runs a program from it under
 * `pulumi.runtime.setMocks`. Shared by the install tests; everything runs offline from npm's cache (warm after
 * `npm ci`): `--prefer-offline`.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

/** The repository root (the checkout these tests run in). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  version: string;
  devDependencies: Record<string, string>;
};

/** The kit's version (package.json). */
export const KIT_VERSION = pkg.version;

/** `name@version` of a package at the exact version the repository pins (devDependencies). */
export function pinned(name: string): string {
  const version = pkg.devDependencies[name];
  if (!version) throw new Error(`${name} is not a devDependency of finetune-kit`);
  return `${name}@${version}`;
}

/** Flags of every npm call: offline from the cache, quiet. */
const NPM_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

/** Runs a command; on failure throws with its output (the test shows why). Returns stdout. */
export async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return stdout;
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  }
}

/** Runs npm with the offline flags. */
export function npm(args: string[], cwd: string): Promise<string> {
  return sh(process.platform === "win32" ? "npm.cmd" : "npm", [...args, ...NPM_FLAGS], cwd);
}

/** A new empty directory under the OS temp folder. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ftkit-${prefix}-`));
}

/** Removes a directory the tests made. */
export function removeDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * `npm pack` of the repository into `dest` — npm runs `prepare` (`npm run build`) first, exactly as for a
 * publish. Returns the tarball's path.
 */
export async function packKit(dest: string): Promise<string> {
  const out = await npm(["pack", "--pack-destination", dest], REPO_ROOT);
  const file = out.trim().split("\n").pop()!.trim();
  const tarball = path.join(dest, file);
  if (!fs.existsSync(tarball)) throw new Error(`npm pack wrote no ${tarball} (output: ${out})`);
  return tarball;
}

/** Pulumi's TypeScript template tsconfig (`pulumi new typescript`): no skipLibCheck, no esModuleInterop. */
export const PULUMI_TEMPLATE_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/**
 * Head of every program: records each resource the program registers (type and name) through Pulumi's mocks and
 * prints them, one JSON line after {@link RESOURCES_MARKER}, when the program's work is done.
 */
const MOCKS_PRELUDE = `import * as pulumi from "@pulumi/pulumi";

const registered: { type: string; name: string }[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args: pulumi.runtime.MockResourceArgs) => {
      registered.push({ type: args.type, name: args.name });
      // Every resource gets an ARN (the AWS components read them); Kubernetes objects keep their inputs.
      const service = args.type.split(":")[1]?.split("/")[0] ?? "mock";
      const arn = \`arn:aws:\${service}:eu-west-1:210987654321:\${service}/\${args.name}\`;
      return { id: \`\${args.name}-id\`, state: { name: args.name, arn, ...args.inputs } };
    },
    call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
  },
  "fresh",
  "dev",
  false,
);
process.once("beforeExit", () => console.log(\`${"@@resources"}\${JSON.stringify(registered)}\`));
`;

/** Marker of the program's output line that lists the registered resources. */
export const RESOURCES_MARKER = "@@resources";

/**
 * Writes a project like `pulumi new typescript` makes (package.json, Pulumi.yaml, the template tsconfig) whose
 * index.ts is {@link MOCKS_PRELUDE} followed by `program` (imports first, as TypeScript wants them).
 */
export function writeFreshProject(dir: string, imports: string, program: string): void {
  fs.writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: path.basename(dir).toLowerCase(), main: "bin/index.js", private: true, devDependencies: {}, dependencies: {} }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: fresh\nruntime: nodejs\ndescription: A project made like `pulumi new typescript`\n");
  fs.writeFileSync(path.join(dir, "tsconfig.json"), `${JSON.stringify(PULUMI_TEMPLATE_TSCONFIG, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "index.ts"), `${imports.trim()}\n${MOCKS_PRELUDE}\n${program.trim()}\n`);
}

/**
 * Installs packages into the project, `@types/node` at the repository's pin (Pulumi's template has it), and
 * returns npm's output.
 */
export function installInto(dir: string, specs: string[]): Promise<string> {
  return npm(["install", ...specs, pinned("@types/node")], dir);
}

/**
 * `tsc -p .` in the project with the repository's TypeScript (the pinned version a template project would
 * install). Throws with the compiler's messages on any error; returns the files the compiler read.
 */
export async function typecheck(dir: string): Promise<string[]> {
  const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
  const out = await sh(process.execPath, [tsc, "-p", ".", "--pretty", "false", "--listFiles"], dir);
  return out.split("\n").filter((l) => l.trim() !== "");
}

/** A resource the program registered. */
export interface Registered {
  type: string;
  name: string;
}

/** Runs the compiled program (`node bin/index.js`) and returns the resources it registered under the mocks. */
export async function runProgram(dir: string): Promise<Registered[]> {
  const out = await sh(process.execPath, [path.join("bin", "index.js")], dir);
  const line = out.split("\n").find((l) => l.startsWith(RESOURCES_MARKER));
  if (!line) throw new Error(`the program printed no resource list:\n${out}`);
  return JSON.parse(line.slice(RESOURCES_MARKER.length)) as Registered[];
}

/** Whether `name` resolves from `dir` (installed in the project). */
export function resolvable(dir: string, name: string): boolean {
  try {
    require.resolve(name, { paths: [dir] });
    return true;
  } catch {
    return false;
  }
}

/** The Kubernetes-only program: a pipeline namespace and Kueue, from `finetune-kit/kubernetes`. */
export const KUBERNETES_PROGRAM = {
  imports: `import { KueueInstall, PipelineNamespace, type PipelineNamespaceArgs } from "finetune-kit/kubernetes";`,
  program: `
const args: PipelineNamespaceArgs = { namespace: "ml-pipelines" };
const ns = new PipelineNamespace("team-a", args);
new KueueInstall("kueue", {});
export const namespace = ns.name;
`,
};

/** The AWS-only program: the S3/ECR/KMS artifact registry and Karpenter's interruption queue, from `finetune-kit/aws`. */
export const AWS_PROGRAM = {
  imports: `import { AwsArtifactRegistry, KarpenterInterruptionQueue } from "finetune-kit/aws";`,
  program: `
const registry = new AwsArtifactRegistry("artifacts", { region: "eu-west-1", accountId: "210987654321", bucketName: "acme-ft-artifacts" });
new KarpenterInterruptionQueue("karpenter-interruption", { tags: { cluster: "gpu" } });
export const bucket = registry.contract.bucket;
`,
};

/** What {@link KUBERNETES_PROGRAM} registers, as sorted `type name` lines. */
export const KUBERNETES_PROGRAM_RESOURCES = [
  "finetune-kit:index:KueueInstall kueue",
  "finetune-kit:index:PipelineNamespace team-a",
  "kubernetes:core/v1:Namespace kueue-ns",
  "kubernetes:core/v1:Namespace team-a-namespace",
  "kubernetes:helm.sh/v3:Release kueue-chart",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy team-a-default-deny",
];
