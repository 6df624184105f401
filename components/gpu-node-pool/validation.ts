export { isKnown, outputProblems, throwIfProblems, validatedName, type ArgProblem } from "../validation";
