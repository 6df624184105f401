export { throwIfProblems, type ArgProblem } from "../validation";
