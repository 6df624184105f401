import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // `import ... from "finetune-kit"` or "finetune-kit/<aws|gcp|kubernetes|policy>" (examples/) resolves to this repo's sources, as tsconfig.json `paths` does.
  resolve: {
    alias: [
      { find: /^finetune-kit\/policy$/, replacement: fileURLToPath(new URL("./policy/library.ts", import.meta.url)) },
      { find: /^finetune-kit\/(aws|gcp|kubernetes)$/, replacement: fileURLToPath(new URL("./api/$1.ts", import.meta.url)) },
      { find: /^finetune-kit$/, replacement: fileURLToPath(new URL("./index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Finds (or, as root with apt, installs) promtool and helm once, before any test file runs.
    globalSetup: ["test/global-setup.ts"],
    // Each test file runs in its own process: the Pulumi runtime keeps global state (mocks, config, stack).
    pool: "forks",
    isolate: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
