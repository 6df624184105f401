export { isKnown, throwIfProblems, type ArgProblem } from "../validation";
