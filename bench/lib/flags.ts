/**
 * The bench command's flags: `parseArgs` with every problem as one line on stderr and exit 2
 * (`bench: … (see --help)`), never a stack trace, and numbers checked by name.
 * @module
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

type ParsedResults<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/** `parseArgs`, with a bad flag as one line and exit 2 instead of a stack trace. */
export function parseFlags<T extends ParseArgsConfig>(config: T): ParsedResults<T> {
	try {
		return parseArgs<T>(config);
	} catch (error) {
		// Node's message for `--rounds --quick` or `--duration -1` spans three lines: keep two.
		usage((error as Error).message.split("\n").slice(0, 2).join(" "));
	}
}

/** Flag `--name`'s value as a number of at least `min` (a whole one when `whole`), else exit 2. */
export function numberFlag(name: string, text: string, min: number, whole = false): number {
	const value = Number(text);
	if (
		text.trim() === "" ||
		!Number.isFinite(value) ||
		value < min ||
		(whole && !Number.isInteger(value))
	) {
		usage(
			`--${name} ${JSON.stringify(text)}: expected ${whole ? "a whole number" : "a number"} of at least ${min}`,
		);
	}
	return value;
}

/** A bad flag or value: one line on stderr, exit 2. */
export function usage(message: string): never {
	console.error(`bench: ${message} (see --help)`);
	process.exit(2);
}
