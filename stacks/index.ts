/**
 * Pulumi entry point (Pulumi.yaml `main: stacks/`). The exported function's result becomes the stack outputs.
 */
import { main } from "./main";

export = async () => main();
