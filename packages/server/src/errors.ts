import { relative } from "node:path";
import { EchoError } from "@echokit/core";

/** Every error code the echo-server CLI reports, with the process exit code it leads to. */
export const EXIT_CODES = {
	/** A bug or something nobody foresaw. */
	E_UNEXPECTED: 1,
	/** Unknown flag, missing or invalid flag value, stray argument. */
	E_USAGE: 2,
	/** The port (TCP or UDP), or the Unix socket a running server answers on, is taken. */
	E_ADDR_IN_USE: 3,
	/** No permission to listen: a port below 1024, a socket in a directory this user may not write. */
	E_PERMISSION: 3,
	/** `--host` is no address of this machine (or a name that resolves to none of its addresses). */
	E_ADDR_NOT_AVAILABLE: 3,
	/** `--unix`: the path is too long, its directory is missing, or a file that is no socket is there. */
	E_UNIX_PATH: 3,
	/** Binding failed for another reason (the system's code is in the message). */
	E_LISTEN: 3,
	/** `--plugin NAME` is no builtin, file or installed package. */
	E_PLUGIN_NOT_FOUND: 4,
	/** A plugin module failed to load (syntax error, throws) or its factory threw. */
	E_PLUGIN_LOAD: 4,
	/** A plugin module exports no plugin, or a malformed one. */
	E_PLUGIN_INVALID: 4,
	/** A plugin refuses its options (`--plugin delay:ms=soon`), or takes none. */
	E_PLUGIN_OPTIONS: 4,
	/** A plugin's `start` hook failed. */
	E_PLUGIN_START: 4,
	/** The config file is missing, fails to load, or holds an invalid value. */
	E_CONFIG: 5,
	/** A TLS certificate or key file cannot be read, is not PEM, or they do not match. */
	E_TLS: 6,
	/** `--workers`: workers kept crashing, or one failed while stopping. */
	E_WORKER: 1,
} as const;

/** A code from {@link EXIT_CODES}. */
export type CliErrorCode = keyof typeof EXIT_CODES;

/**
 * The one error class of the CLI: a stable `code`, a one-line message for people, the process
 * exit code, and the underlying `cause`. Only `command.ts` turns it into output and an exit.
 * @example
 * throw new CliError("E_USAGE", 'unknown flag "--prot"');
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

/** Any error as a {@link CliError}: core's errors get their CLI code, the rest are unexpected. */
export function toCliError(error: unknown): CliError {
	if (error instanceof CliError) return error;
	if (error instanceof EchoError) {
		const code = CORE_CODES[error.code] ?? "E_UNEXPECTED";
		return new CliError(code, error.message, { cause: error });
	}
	return new CliError("E_UNEXPECTED", describeError(error), { cause: error });
}

/**
 * One line that says what went wrong, for any thrown value. Bun reports a syntax error as a
 * `BuildMessage` (or an AggregateError of them) with a position: it becomes
 * `syntax error: MESSAGE (FILE:LINE:COLUMN)`.
 */
export function describeError(error: unknown): string {
	const build = buildMessage(error);
	if (build) return oneLine(`syntax error: ${build.message}${where(build.position)}`);
	if (error instanceof Error) return oneLine(error.message || error.name);
	return oneLine(String(error));
}

/**
 * {@link describeError} for a module that failed to load: a syntax error says where (paths
 * relative to `cwd` when inside it), and so does an error thrown while the module ran, when
 * Bun knows the place (`boom (my-plugins/x.ts:3:9)`).
 * @example
 * describeLoadError(error, process.cwd()); // 'syntax error: Unexpected ; (my-plugins/x.ts:2:11)'
 */
export function describeLoadError(error: unknown, cwd: string): string {
	const build = buildMessage(error);
	if (build) return oneLine(`syntax error: ${build.message}${where(build.position, cwd)}`);
	const thrown = error as { sourceURL?: unknown; line?: unknown; column?: unknown };
	// Not where our own loader rethrew it (a JSON file's parse error reports the import site).
	const known =
		error instanceof Error &&
		typeof thrown.sourceURL === "string" &&
		!thrown.sourceURL.startsWith(import.meta.dir) &&
		typeof thrown.line === "number";
	const at = known
		? where(
				{
					file: String(thrown.sourceURL),
					line: Number(thrown.line),
					column: Number(thrown.column),
				},
				cwd,
			)
		: "";
	return `${describeError(error)}${at}`;
}

/** The build message of a syntax error: the error itself, or the first of an AggregateError. */
function buildMessage(error: unknown): BuildMessage | undefined {
	const candidate =
		error instanceof AggregateError ? ((error.errors?.[0] ?? null) as unknown) : error;
	const message = candidate as BuildMessage | null;
	if (message?.position && typeof message.message === "string") return message;
	return undefined;
}

/** ` (file:line:column)`, the file relative to `cwd` when it is inside it. */
function where(at: BuildMessage["position"], cwd?: string): string {
	if (!at) return "";
	const shown = cwd ? relative(cwd, at.file) : at.file;
	const file = cwd && shown !== "" && !shown.startsWith("..") ? shown : at.file;
	return ` (${file}:${at.line}${Number.isFinite(at.column) ? `:${at.column}` : ""})`;
}

/** The stack (and causes) of an error, for `--log-level debug`. */
export function errorStack(error: unknown): string {
	const lines: string[] = [];
	for (let e = error, depth = 0; e && depth < 5; depth++) {
		lines.push(depth === 0 ? "" : "caused by:", e instanceof Error ? String(e.stack) : String(e));
		e = (e as { cause?: unknown }).cause;
	}
	return lines.filter(Boolean).join("\n");
}

interface BuildMessage {
	message?: string;
	position?: { file: string; line: number; column: number } | null;
}

const CORE_CODES: Partial<Record<EchoError["code"], CliErrorCode>> = {
	E_ADDR_IN_USE: "E_ADDR_IN_USE",
	E_PERMISSION: "E_PERMISSION",
	E_ADDR_NOT_AVAILABLE: "E_ADDR_NOT_AVAILABLE",
	E_UNIX_PATH: "E_UNIX_PATH",
	E_LISTEN: "E_LISTEN",
	E_PLUGIN: "E_PLUGIN_START",
	E_PLUGIN_OPTIONS: "E_PLUGIN_OPTIONS",
	E_INVALID_OPTION: "E_USAGE",
};

function oneLine(text: string): string {
	return text.replace(/\s*\n\s*/g, " ").trim();
}
