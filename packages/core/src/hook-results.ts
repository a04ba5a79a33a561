/**
 * What plugin hooks return and throw, checked: a failure as a {@link PluginError} naming the
 * plugin and hook, greetings and `end` replies gathered into one outcome. Used by pipeline.ts.
 */
import { PluginError, type PluginHook } from "./errors.ts";
import { describe } from "./options.ts";
import { isNoReply, NO_REPLY } from "./plugin.ts";
import { escapeControls } from "./text.ts";
import type { Greeting, TransformResult } from "./types.ts";

/** What the chain decided for one message: the reply's bytes, or nothing. */
export type Outcome = Uint8Array | typeof NO_REPLY;

/**
 * What a plugin threw, as a {@link PluginError} naming the plugin and hook (kept if it is one).
 * The reason is made one safe line: a plugin's error message often quotes what a client sent,
 * and must not let it forge log lines or drive a terminal.
 */
export function failure(plugin: string, hook: PluginHook, error: unknown): PluginError {
	if (error instanceof PluginError) return error;
	const reason = error instanceof Error ? error.message || error.name : String(error);
	return new PluginError("E_PLUGIN", escapeControls(reason), { plugin, hook, cause: error });
}

/** A `greet` hook's result as an outcome, or throws `E_PLUGIN_RESULT` for a wrong value. */
export function greetingOf(plugin: string, greeting: Greeting): Outcome {
	if (greeting === null) return NO_REPLY;
	if (typeof greeting === "string") return Buffer.from(greeting);
	if (greeting instanceof Uint8Array) return greeting;
	throw new PluginError(
		"E_PLUGIN_RESULT",
		`returned ${describe(greeting)}; greet returns a string or Uint8Array to send, or null for nothing`,
		{ plugin, hook: "greet" },
	);
}

/**
 * An `end` hook's result as the message to pass on: its bytes, or `null` for nothing (`null`,
 * `NO_REPLY`). Throws `E_PLUGIN_RESULT` for anything else.
 */
export function endMessage(plugin: string, result: TransformResult): Uint8Array | null {
	if (result === null || isNoReply(result)) return null;
	if (typeof result === "string") return Buffer.from(result);
	if (result instanceof Uint8Array) return result;
	throw new PluginError(
		"E_PLUGIN_RESULT",
		`returned ${describe(result)}; end returns a string or Uint8Array (one more message), null or NO_REPLY (nothing)${result === undefined ? " — is a return missing?" : ""}`,
		{ plugin, hook: "end" },
	);
}

/** Adds an outcome to `parts` unless it is {@link NO_REPLY} (and returns `parts`). */
export function addOutcome(parts: Uint8Array[], outcome: Outcome): Uint8Array[] {
	if (!isNoReply(outcome)) parts.push(outcome);
	return parts;
}

/** One part goes out as it is (no copy); several are joined for one write. */
export function joined(parts: Uint8Array[]): Outcome {
	if (parts.length === 0) return NO_REPLY;
	return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}

/** A promise or any object with a `then` method: what an async hook returns. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
	return (
		typeof value === "object" &&
		value !== null &&
		typeof (value as PromiseLike<unknown>).then === "function"
	);
}
