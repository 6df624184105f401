/**
 * Offline plan: `npm run plan -- --stack <kubernetes|gcp|aws-sagemaker> [--config FILE] [--out DIR]`.
 * Runs the stack program under mocks (no cloud, no Pulumi CLI), writes what it would create under
 * `<out>/<stack>/` and runs the policy pack. Exit codes: 0 ok (and `--help`), 1 usage, 2 invalid config, 3 mandatory
 * policy violation. The work is done by {@link planCommand} (plan/cli-run.ts), which tests call in-process.
 */
import { planCommand } from "./cli-run";

planCommand(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`plan failed (a bug in finetune-kit, please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
