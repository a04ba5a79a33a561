/**
 * The one error class of `create-echokit-plugin` and its exit codes. Everything below the
 * command throws; only `main` turns an error into a line on stderr and an exit code.
 * @module
 */

/** Every error code the command reports, with the process exit code it leads to. */
export const EXIT_CODES = {
	/** A bug or something nobody foresaw. */
	E_UNEXPECTED: 1,
	/** Writing the files failed (no permission, disk full, …); what was written is removed. */
	E_WRITE: 1,
	/** No folder given, an unknown flag, a flag without its value, a stray argument. */
	E_USAGE: 2,
	/** The package name is not one npm accepts for a new package, or the plugin cannot use it. */
	E_NAME: 2,
	/** The target exists and is not an empty folder: nothing is ever overwritten. */
	E_NOT_EMPTY: 3,
} as const;

/** A code from {@link EXIT_CODES}. */
export type CliErrorCode = keyof typeof EXIT_CODES;

/**
 * A failure shown as `create-echokit-plugin: <message> (<code>)` with the code's exit status.
 * @example
 * throw new CliError("E_USAGE", 'unknown flag "--nme" (did you mean --name?)');
 */
export class CliError extends Error {
	override readonly name = "CliError";
	readonly exitCode: number;
	constructor(
		readonly code: CliErrorCode,
		message: string,
		options?: { cause?: unknown },
	) {
		super(message, options);
		this.exitCode = EXIT_CODES[code];
	}
}

/** Anything thrown, as a {@link CliError}: ours as they are, the rest as `E_UNEXPECTED`. */
export function toCliError(error: unknown): CliError {
	if (error instanceof CliError) return error;
	const text = error instanceof Error ? error.message || error.name : String(error);
	return new CliError("E_UNEXPECTED", oneLine(text), { cause: error });
}

/** Folds a multi-line message onto one line, so an error is always exactly one line. */
export function oneLine(text: string): string {
	return text.replace(/\s*\n\s*/g, " ").trim();
}
