/**
 * The client's one error class and the mapping from failures to exit codes. Only the CLI turns
 * errors into text and exit codes; everything below it throws.
 * @module
 */
import { EchoError } from "@echokit/core";

/** Every way `echo-client` fails, each with its exit code (see {@link exitCodes}). */
export type CliErrorCode =
	| "E_UNEXPECTED"
	| "E_USAGE"
	| "E_CA_FILE"
	| "E_CONNECT"
	| "E_CONNECT_TIMEOUT"
	| "E_REPLY_TIMEOUT"
	| "E_NO_REPLY"
	| "E_CONNECTION_LOST"
	| "E_TLS"
	| "E_WS_CLOSED"
	| "E_BENCH_FAILED"
	| "E_METRICS_URL";

/**
 * Exit codes of `echo-client`. `0` is success, including leaving with Ctrl-C or Ctrl-D.
 * @example
 * if (proc.exitCode === exitCodes.E_CONNECT) console.log("server not running");
 */
export const exitCodes: Readonly<Record<CliErrorCode, number>> = {
	E_UNEXPECTED: 1,
	E_USAGE: 2,
	E_CA_FILE: 2,
	E_CONNECT: 3,
	E_CONNECT_TIMEOUT: 3,
	E_REPLY_TIMEOUT: 4,
	E_NO_REPLY: 4,
	E_CONNECTION_LOST: 5,
	E_TLS: 6,
	E_WS_CLOSED: 5,
	E_BENCH_FAILED: 1,
	E_METRICS_URL: 3,
};

/**
 * A failure the CLI reports as one line on stderr (`echo-client: <message> (<code>)`) and an
 * exit code, never a stack trace.
 * @example
 * throw new CliError("E_USAGE", "missing value for --port");
 */
export class CliError extends Error {
	override readonly name = "CliError";
	constructor(
		readonly code: CliErrorCode,
		message: string,
		options?: { cause?: unknown },
	) {
		super(message, options);
	}

	/** The process exit code for this error. */
	get exitCode(): number {
		return exitCodes[this.code];
	}
}

/**
 * Turns anything thrown into a {@link CliError}; `target` (`host:port`) names the server, and
 * `caFile` (the `--ca` given, if any) makes the hint for an untrusted certificate fit.
 */
export function toCliError(error: unknown, target = "the server", caFile?: string): CliError {
	if (error instanceof CliError) return error;
	if (error instanceof EchoError) {
		const reason = errnoText(error.cause);
		switch (error.code) {
			case "E_CONNECT":
				return new CliError("E_CONNECT", `cannot connect to ${target}: ${reason}`, {
					cause: error,
				});
			case "E_CONNECT_TIMEOUT":
				return new CliError("E_CONNECT_TIMEOUT", error.message, { cause: error });
			case "E_CLOSED":
				return new CliError("E_CONNECTION_LOST", `connection to ${target} lost: ${reason}`, {
					cause: error,
				});
			case "E_TLS":
				return new CliError("E_TLS", `${error.message}${tlsHint(error.message, caFile)}`, {
					cause: error,
				});
		}
	}
	const message = error instanceof Error ? error.message : String(error);
	return new CliError("E_UNEXPECTED", message, { cause: error });
}

/** The one line printed on stderr for an error. */
export function formatError(error: CliError): string {
	return `echo-client: ${error.message} (${error.code})`;
}

/**
 * {@link formatError} for `--json`: one JSON object, shaped like echo-server's `--json` error
 * lines (`time`, `level`, `message`, `code`, `exitCode`).
 * @example
 * formatErrorJson(new CliError("E_CONNECT", "cannot connect to 127.0.0.1:9: connection refused"));
 * // {"time":"…","level":"error","message":"cannot connect …","code":"E_CONNECT","exitCode":3}
 */
export function formatErrorJson(error: CliError): string {
	const { message, code, exitCode } = error;
	return JSON.stringify({
		time: new Date().toISOString(),
		level: "error",
		message,
		code,
		exitCode,
	});
}

/** What to try next, for the TLS failures people meet first. */
export function tlsHint(message: string, caFile: string | undefined): string {
	if (/self[- ]signed|local issuer|verify the first certificate|unknown ca/i.test(message)) {
		return caFile === undefined
			? " (to trust it, pass its CA or certificate with --ca FILE)"
			: ` (it is not signed by --ca ${JSON.stringify(caFile)})`;
	}
	if (/does not match|altname/i.test(message)) {
		return " (--servername NAME sets the name checked)";
	}
	// BoringSSL's protocol errors (UNEXPECTED_MESSAGE, WRONG_VERSION_NUMBER, …).
	if (/SSL routines|OPENSSL_internal|wrong version|closed during the handshake/i.test(message)) {
		return " (is the server speaking TLS on that port?)";
	}
	return "";
}

const errnoTexts: Record<string, string> = {
	ECONNREFUSED: "connection refused",
	ECONNRESET: "connection reset by peer",
	ETIMEDOUT: "timed out",
	EHOSTUNREACH: "host unreachable",
	ENETUNREACH: "network unreachable",
	ENOTFOUND: "host not found",
	EAI_AGAIN: "host name lookup failed",
	EPIPE: "broken pipe",
	ENOENT: "no such file or socket",
	EACCES: "permission denied",
	ECONNABORTED: "connection aborted",
};

/** A short human reason from an error chain: its errno code in words, else its message. */
export function errnoText(cause: unknown): string {
	for (let error = cause; error; error = (error as { cause?: unknown }).cause) {
		const code = (error as { code?: unknown }).code;
		if (typeof code === "string" && code in errnoTexts) return errnoTexts[code]!;
		if (!(error as { cause?: unknown }).cause && error instanceof Error) return error.message;
	}
	return "unknown error";
}
