// Pulumi entry point: the runtime calls the exported function; its result's fields are the stack outputs.
import { main } from "./program";

export = main;
