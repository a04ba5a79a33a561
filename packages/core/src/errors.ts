/** Every error code @echokit/core raises. */
export type EchoErrorCode =
	| "E_ADDR_IN_USE"
	| "E_LISTEN"
	| "E_CONNECT"
	| "E_CONNECT_TIMEOUT"
	| "E_TLS"
	| "E_CLOSED"
	| "E_INVALID_OPTION"
	| "E_PLUGIN"
	| "E_PLUGIN_RESULT"
	| "E_LINE_TOO_LONG";

/**
 * The one error class of @echokit/core: a stable `code` to branch on, a message for people, and
 * the underlying `cause` when there is one.
 * @example
 * try { await startServer({ port: 8888 }); }
 * catch (error) { if (error instanceof EchoError && error.code === "E_ADDR_IN_USE") retry(); }
 */
export class EchoError extends Error {
	override readonly name = "EchoError";
	constructor(
		readonly code: EchoErrorCode,
		message: string,
		options?: { cause?: unknown },
	) {
		super(message, options);
	}
}
