/**
 * SageMaker pipeline values: run/revision tokens in strings built by the shared layout and commands, turned into
 * `Std:Join` over the execution id / revision parameter, or into argv elements of their own. Pure: no Pulumi.
 */

/** The execution id (the run id of a SageMaker pipeline run). */
export const EXEC_ID = { Get: "Execution.PipelineExecutionId" } as const;
/** Stands for the run id inside strings (the layout's `runId`). */
export const RUN_TOKEN = "\u0000RUN\u0000";
/** Stands for the base-model revision parameter. */
export const REV_TOKEN = "\u0000REV\u0000";
const REVISION = { Get: "Parameters.BaseModelRevision" } as const;

/** A pipeline value: a literal, a `Get`, or a `Std:Join`. */
export type Value = string | { Get: string } | { "Std:Join": { On: string; Values: (string | { Get: string })[] } };

/** A string with run/revision tokens → plain string or `Std:Join` over the execution id / revision parameter. */
export function joinTokens(s: string): Value {
  if (!s.includes(RUN_TOKEN) && !s.includes(REV_TOKEN)) return s;
  const values: (string | { Get: string })[] = [];
  for (const part of s.split(/(\u0000RUN\u0000|\u0000REV\u0000)/)) {
    if (part === RUN_TOKEN) values.push(EXEC_ID);
    else if (part === REV_TOKEN) values.push(REVISION);
    else if (part !== "") values.push(part);
  }
  return { "Std:Join": { On: "", Values: values } };
}

/** Argv with the revision token → ContainerEntrypoint elements (a `Get` of the parameter is an element of its own, never parsed by a shell). */
export function argvTokens(argv: string[]): (string | { Get: string })[] {
  return argv.map((a) => (a === REV_TOKEN ? REVISION : a.includes(REV_TOKEN) || a.includes(RUN_TOKEN) ? unsupportedToken(a) : a));
}

function unsupportedToken(arg: string): never {
  throw new Error(
    `finetune-kit: argv element ${JSON.stringify(arg)} embeds a pipeline variable inside other text (a kit bug: pass it as an element of its own)`,
  );
}
