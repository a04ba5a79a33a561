import { escapeControls } from "./text.ts";

/** Every error code @echokit/core raises. */
export type EchoErrorCode =
	| "E_ADDR_IN_USE"
	| "E_ADDR_NOT_AVAILABLE"
	| "E_PERMISSION"
	| "E_UNIX_PATH"
	| "E_LISTEN"
	| "E_CONNECT"
	| "E_CONNECT_TIMEOUT"
	| "E_TLS"
	| "E_CLOSED"
	| "E_INVALID_OPTION"
	| "E_PLUGIN"
	| "E_PLUGIN_RESULT"
	| "E_PLUGIN_OPTIONS"
	| "E_LINE_TOO_LONG";

/**
 * The one error class of @echokit/core: a stable `code` to branch on, a message for people, and
 * the underlying `cause` when there is one.
 * @example
 * try { await startServer({ port: 8888 }); }
 * catch (error) { if (error instanceof EchoError && error.code === "E_ADDR_IN_USE") retry(); }
 */
export class EchoError extends Error {
	override readonly name: string = "EchoError";
	constructor(
		readonly code: EchoErrorCode,
		message: string,
		options?: { cause?: unknown },
	) {
		super(message, options);
	}
}

/** Where a plugin went wrong: one of its hooks, or the options its factory was given. */
export type PluginHook =
	| "start"
	| "stop"
	| "open"
	| "greet"
	| "transform"
	| "end"
	| "close"
	| "options";

/**
 * A plugin failed, as data (after rollup's `RollupLog`): which plugin, in which hook, and for
 * `E_PLUGIN_OPTIONS` which option. Codes:
 * - `E_PLUGIN`: a hook threw or its promise rejected (`cause` holds what was thrown);
 * - `E_PLUGIN_RESULT`: a hook returned something its contract does not allow, e.g. a
 *   `transform` returning `undefined` (a forgotten `return`);
 * - `E_PLUGIN_OPTIONS`: {@link checkOptions} refused an option.
 *
 * `message` reads `plugin "NAME" failed in HOOK: REASON`, or for options
 * `plugin "NAME": REASON`.
 * @example
 * catch (error) { if (error instanceof PluginError) console.log(error.plugin, error.hook); }
 */
export class PluginError extends EchoError {
	override readonly name = "PluginError";
	readonly plugin: string;
	readonly hook: PluginHook;
	/** The option at fault, for `E_PLUGIN_OPTIONS` (absent when the options as a whole are wrong). */
	readonly option: string | undefined;
	constructor(
		code: "E_PLUGIN" | "E_PLUGIN_RESULT" | "E_PLUGIN_OPTIONS",
		reason: string,
		details: { plugin: string; hook: PluginHook; option?: string; cause?: unknown },
	) {
		const where =
			details.hook === "options"
				? `plugin "${details.plugin}"`
				: `plugin "${details.plugin}" failed in ${details.hook}`;
		super(code, `${where}: ${reason}`, { cause: details.cause });
		this.plugin = details.plugin;
		this.hook = details.hook;
		this.option = details.option;
	}
}

/**
 * Logs at debug level where a plugin failure came from: the stack of what the plugin threw (its
 * file and line), for `--log-level debug`. Nothing for a failure with no thrown error behind it.
 */
export function logStack(logger: { debug(message: string): void }, error: unknown): void {
	const cause = error instanceof PluginError ? error.cause : error;
	if (!(cause instanceof Error) || !cause.stack) return;
	// The message may quote a client (escaped, as in the error line); the frames are code's.
	const frames = cause.stack.split("\n").filter((line) => /^\s+at /.test(line));
	logger.debug([`${cause.name}: ${escapeControls(cause.message)}`, ...frames].join("\n"));
}
