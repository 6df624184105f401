export { ConfigError, MAX_VALUE_CHARS, escapeNonPrintable, formatProblems, readableMessage, readableText, type Problem } from "../../core/problem";
export { closest, keyOf, problemsFromZod } from "../../core/zod-problems";
