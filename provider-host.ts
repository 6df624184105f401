/**
 * The kit's component provider host, written out: what `pulumi package add` serves (see PulumiPlugin.yaml).
 *
 * The Pulumi CLI does not run this file. Its nodejs language host runs `@pulumi/pulumi/cmd/run-plugin <package dir>`,
 * which requires the package's `main`, collects every exported `ComponentResource` class
 * (`getPulumiComponents`) and calls `componentProviderHost` with the provider name derived from package.json
 * `name` (a scope becomes the namespace). {@link hostOptions} makes the same choices, so that the host can be
 * started without the CLI and tested: `npx tsx provider-host.ts [engine address]` prints the port it serves on.
 */
import * as path from "node:path";
import {
  componentProviderHost,
  getPulumiComponents,
  type ComponentProviderOptions,
  type ComponentResourceConstructor,
} from "@pulumi/pulumi/provider/experimental/provider";
import * as kit from "./index";

/** The package root: where the host reads package.json and tsconfig.json and finds index.ts. */
export const PACKAGE_DIR = __dirname.endsWith(`${path.sep}dist`) ? path.dirname(__dirname) : __dirname;

/** Every `ComponentResource` class the public API exports, in export order (what run-plugin serves). */
export function exportedComponents(): ComponentResourceConstructor[] {
  return getPulumiComponents(kit);
}

/**
 * Provider name and namespace as run-plugin derives them from a package.json `name`: `@scope/pkg` gives
 * namespace `scope` and name `pkg`; characters other than letters, digits, `-` and `_` become `-`.
 */
export function providerIdentity(packageName: string): { name: string; namespace?: string } {
  const m = /^(@.*?\/)?(.+)$/.exec(packageName);
  if (!m) throw new Error(`finetune:package.json.name: "${packageName}" is not a package name (set "name" in package.json)`);
  const name = m[2].replace(/[^-a-zA-Z0-9_]/g, "-");
  return m[1] ? { name, namespace: m[1].slice(1, -1) } : { name };
}

/** The options run-plugin would pass to `componentProviderHost` for this package (all exported components by default). */
export function hostOptions(components: ComponentResourceConstructor[] = exportedComponents()): ComponentProviderOptions {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(path.join(PACKAGE_DIR, "package.json")) as { name: string };
  return { ...providerIdentity(pkg.name), dirname: PACKAGE_DIR, components };
}

/** Starts the gRPC provider server; `process.argv[2]`, when given, is the engine address (needed for Construct). */
export function serve(components?: ComponentResourceConstructor[]): Promise<void> {
  return componentProviderHost(hostOptions(components));
}

if (require.main === module) {
  void serve();
}
