/**
 * The offline plan command as a function: `planCommand(argv, io)` does everything `npm run plan` does and returns
 * the exit code (0 ok, 1 usage, 2 invalid config, 3 mandatory policy violation) instead of exiting, so that tests run
 * the CLI's own code path in-process. `plan/cli.ts` is the thin entry that calls it.
 */
import * as path from "node:path";
import { mandatoryViolations } from "../policy/engine";
import { ConfigError } from "../stacks/config/errors";
import { imagePlanFiles, imagePlanLine } from "./images";
import { planStack, summarize, writePlan } from "./plan";
import { loadStackConfigFile, stackConfigPath } from "./stack-config";

/** The stacks the kit ships (`--stack`). */
export const PLAN_STACKS = ["kubernetes", "gcp", "aws-sagemaker"] as const;

/** Exit codes of the plan command. */
export const ExitCode = { Ok: 0, Usage: 1, InvalidConfig: 2, PolicyViolation: 3 } as const;

/** Where the command writes. */
export interface PlanIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Parsed command line. */
export interface PlanArgs {
  stack: string;
  config?: string;
  out: string;
}

export const PLAN_USAGE = `usage: npm run plan -- --stack <${PLAN_STACKS.join("|")}> [--config FILE] [--out DIR]

Runs a stack program offline (no cloud, no Pulumi CLI) and writes what it would create under DIR/<stack>/.
  --stack   the stack to plan: ${PLAN_STACKS.join(", ")}
  --config  a file in the format of stacks/Pulumi.<stack>.yaml (default: that file)
  --out     output folder (default: out)
  --help    show this help
Exit codes: 0 ok, 1 usage, 2 invalid config, 3 mandatory policy violation.`;

/** `{ args }`, `{ help: true }` or `{ problem }` (a usage error). */
export function parsePlanArgs(argv: readonly string[]): { args: PlanArgs } | { help: true } | { problem: string } {
  const args: Partial<PlanArgs> = { out: "out" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const flag = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith("--") && eq > 0 ? a.slice(eq + 1) : undefined;
    if (flag === "--help" || flag === "-h") return { help: true };
    if (flag !== "--stack" && flag !== "--config" && flag !== "--out") return { problem: `unknown argument ${a}` };
    const v = inline ?? argv[++i];
    if (v === undefined || v === "" || v.startsWith("--")) return { problem: `${flag} needs a value` };
    if (flag === "--stack") args.stack = v;
    else if (flag === "--config") args.config = v;
    else args.out = v;
  }
  if (!args.stack) return { problem: "--stack is required" };
  if (!(PLAN_STACKS as readonly string[]).includes(args.stack)) return { problem: `unknown stack "${args.stack}" (use one of ${PLAN_STACKS.join(", ")})` };
  return { args: args as PlanArgs };
}

/** Runs the plan command; never throws for bad input (a config error is exit 2 with `finetune:<key>: …` lines). */
export async function planCommand(argv: readonly string[], io: PlanIo): Promise<number> {
  const parsed = parsePlanArgs(argv);
  if ("help" in parsed) {
    io.stdout(`${PLAN_USAGE}\n`);
    return ExitCode.Ok;
  }
  if ("problem" in parsed) {
    io.stderr(`${parsed.problem}\n${PLAN_USAGE}\n`);
    return ExitCode.Usage;
  }
  const { args } = parsed;
  try {
    const engine = loadStackConfigFile(args.config ? path.resolve(args.config) : stackConfigPath(args.stack));
    const result = await planStack(args.stack, engine);
    let dir: string;
    try {
      dir = writePlan(result, args.out);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (!code) throw e;
      io.stderr(`cannot write the plan under ${args.out}: ${code} (choose another --out folder, one you can write to)\n`);
      return ExitCode.Usage;
    }
    const rel = path.relative(process.cwd(), dir) || dir;
    io.stdout(`${summarize(result)}\n${imagePlanLine(imagePlanFiles(result.config, result.manifests), rel)}\n\nWrote ${rel}/\n`);
    return mandatoryViolations(result.violations).length > 0 ? ExitCode.PolicyViolation : ExitCode.Ok;
  } catch (e) {
    if (e instanceof ConfigError || ConfigError.isInstance(e)) {
      io.stderr(`${(e as Error).message}\n`);
      return ExitCode.InvalidConfig;
    }
    throw e;
  }
}
