/**
 * `echo-client` as a library: run the command from code, and the error codes it exits with.
 * @module
 */
export { main } from "./command.ts";
export { CliError, type CliErrorCode, exitCodes } from "./errors.ts";
