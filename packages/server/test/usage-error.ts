import { expect } from "bun:test";
import { CliError } from "../src/errors.ts";

/**
 * The message of the `E_USAGE` error (exit 2) that `run` throws; fails the test when it throws
 * nothing or something else. Shared by the server's tests of flags, settings and environment.
 */
export function usageMessage(run: () => unknown): string {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(CliError);
		expect((error as CliError).code).toBe("E_USAGE");
		expect((error as CliError).exitCode).toBe(2);
		return (error as CliError).message;
	}
	throw new Error("no error");
}
