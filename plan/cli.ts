/**
 * Offline plan: `npm run plan -- --stack <kubernetes|gcp|aws-sagemaker> [--config FILE] [--out DIR]`.
 * Runs the stack program under mocks (no cloud, no Pulumi CLI), writes what it would create under
 * `<out>/<stack>/` and runs the policy pack. Exit codes: 0 ok, 1 usage, 2 invalid config, 3 mandatory
 * policy violation.
 */
import * as path from "node:path";
import { mandatoryViolations } from "../policy/engine";
import { ConfigError } from "../stacks/config/errors";
import { imagePlanFiles, imagePlanLine } from "./images";
import { planStack, summarize, writePlan } from "./plan";
import { loadStackConfigFile, stackConfigPath } from "./stack-config";

const STACKS = ["kubernetes", "gcp", "aws-sagemaker"];

interface Args {
  stack: string;
  config?: string;
  out: string;
}

function usage(problem: string): never {
  process.stderr.write(`${problem}\nusage: npm run plan -- --stack <${STACKS.join("|")}> [--config FILE] [--out DIR]\n`);
  process.exit(1);
}

function parseArgs(argv: string[]): Args {
  const args: Partial<Args> = { out: "out" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.split("=", 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("--")) usage(`${flag} needs a value`);
      return v;
    };
    if (flag === "--stack") args.stack = value();
    else if (flag === "--config") args.config = value();
    else if (flag === "--out") args.out = value();
    else if (flag === "--help" || flag === "-h") usage("");
    else usage(`unknown argument ${a}`);
  }
  if (!args.stack) usage("--stack is required");
  if (!STACKS.includes(args.stack)) usage(`unknown stack "${args.stack}" (use one of ${STACKS.join(", ")})`);
  return args as Args;
}

async function run(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  let engine;
  try {
    engine = loadStackConfigFile(args.config ? path.resolve(args.config) : stackConfigPath(args.stack));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    const result = await planStack(args.stack, engine);
    const dir = writePlan(result, args.out);
    const rel = path.relative(process.cwd(), dir) || dir;
    process.stdout.write(`${summarize(result)}\n${imagePlanLine(imagePlanFiles(result.config, result.manifests), rel)}\n\nWrote ${rel}/\n`);
    return mandatoryViolations(result.violations).length > 0 ? 3 : 0;
  } catch (e) {
    if (e instanceof ConfigError || ConfigError.isInstance(e)) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}

run().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`plan failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
