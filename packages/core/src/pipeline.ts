/**
 * The plugin chain for one connection (or one UDP datagram): each plugin's context and state,
 * the message object handed to transforms, the run over the transforms in order, the
 * greetings and the `end` hooks. Stays synchronous — no promise, no closure — for as long as
 * every hook answers synchronously.
 */
import { countPluginError } from "./counters.ts";
import { PluginError } from "./errors.ts";
import {
	addOutcome,
	endMessage,
	failure,
	greetingOf,
	isThenable,
	joined,
	type Outcome,
} from "./hook-results.ts";
import { describe } from "./options.ts";
import { isNoReply, NO_REPLY } from "./plugin.ts";
import { type ConnectionSettings, peerName, type Transform } from "./settings.ts";
import type { ConnectionInfo, Greeting, Message, PluginContext, TransformResult } from "./types.ts";

export type { Outcome };

export class Pipeline {
	/** One context per plugin whose `open` hook ran, in plugin order. */
	private readonly contexts: PluginContext<unknown>[] = [];
	private readonly message = new ReusedMessage();
	/** Index of the transform running now, to name the plugin when it throws or rejects. */
	private current = 0;

	constructor(
		private readonly settings: ConnectionSettings,
		private readonly connection: ConnectionInfo,
	) {}

	/** Runs every plugin's `open` hook. @throws {PluginError} */
	open(): void {
		const { plugins, logger } = this.settings;
		for (const plugin of plugins) {
			try {
				const state = plugin.open ? plugin.open(this.connection) : undefined;
				this.contexts.push({ connection: this.connection, logger, state });
			} catch (error) {
				throw failure(plugin.name, "open", error);
			}
		}
	}

	/** Runs the `close` hooks of the plugins whose `open` ran; a throw is logged, not raised. */
	close(): void {
		const { plugins, logger } = this.settings;
		this.contexts.forEach((ctx, index) => {
			const plugin = plugins[index];
			try {
				plugin?.close?.(ctx);
			} catch (error) {
				const name = plugin?.name ?? "?";
				const { message, code } = failure(name, "close", error);
				countPluginError(this.settings.counters[this.connection.transport], name);
				logger.error(`${message} (${code}, ${connectionName(this.connection)})`, {
					event: "plugin_error",
					code,
					plugin: name,
					hook: "close",
				});
			}
		});
		this.contexts.length = 0;
	}

	/**
	 * The `greet` hooks, in plugin order, joined into one outcome: the bytes to send first, or
	 * {@link NO_REPLY} when no plugin greets. Call after {@link open}. Throws a
	 * {@link PluginError}; a returned promise rejects with one.
	 */
	greet(): Outcome | Promise<Outcome> {
		return this.hooksFrom(this.settings.greeters, "greet", 0, [], (_at, name, greeting) =>
			greetingOf(name, greeting),
		);
	}

	/**
	 * The `end` hooks, in plugin order, once input is over and every message has been answered
	 * (the flush step of a WHATWG Streams TransformStream): what plugin i's hook returns goes
	 * through the transforms of the plugins after it, as one more message, then the next hook
	 * runs. Their replies are joined into one outcome, or {@link NO_REPLY} when there is none.
	 * Runs once per connection, never per message. Throws a {@link PluginError}; a returned
	 * promise rejects with one.
	 */
	end(): Outcome | Promise<Outcome> {
		return this.hooksFrom(this.settings.enders, "end", 0, [], (at, name, result) =>
			this.runAfter(at, name, result),
		);
	}

	/**
	 * Runs `hooks` from `index` on, one after the other (an async one's settling starts the
	 * next), each result made an outcome by `outcomeOf`, and joins the outcomes into one.
	 */
	private hooksFrom<Result>(
		hooks: readonly Hook<Result>[],
		hook: "greet" | "end",
		index: number,
		parts: Uint8Array[],
		outcomeOf: (at: number, name: string, result: Result) => Outcome | Promise<Outcome>,
	): Outcome | Promise<Outcome> {
		for (let i = index; i < hooks.length; i++) {
			const { name, index: at, run } = hooks[i] as Hook<Result>;
			let outcome: Outcome | Promise<Outcome>;
			try {
				const result = run(this.contexts[at] as PluginContext<unknown>);
				outcome = isThenable(result)
					? Promise.resolve(result).then(
							(settled) => outcomeOf(at, name, settled),
							(error: unknown) => {
								throw failure(name, hook, error);
							},
						)
					: outcomeOf(at, name, result);
			} catch (error) {
				throw failure(name, hook, error); // a PluginError (a wrong result, a later transform) kept
			}
			if (isThenable(outcome)) {
				return outcome.then((settled) =>
					this.hooksFrom(hooks, hook, i + 1, addOutcome(parts, settled), outcomeOf),
				);
			}
			addOutcome(parts, outcome);
		}
		return joined(parts);
	}

	/** One `end` hook's result, run through the transforms of the plugins after plugin `at`. */
	private runAfter(at: number, name: string, result: TransformResult): Outcome | Promise<Outcome> {
		const bytes = endMessage(name, result);
		if (bytes === null) return NO_REPLY;
		this.message.bytes = bytes;
		this.message.writable = false; // the plugin made these bytes and may keep them
		const transforms = this.settings.transforms;
		let first = 0;
		while (first < transforms.length && (transforms[first] as Transform).index <= at) first++;
		try {
			const outcome = this.runFrom(first);
			if (!isThenable(outcome)) return outcome;
			return outcome.then(undefined, (error: unknown) => {
				throw this.asFailure(error);
			});
		} catch (error) {
			throw this.asFailure(error);
		}
	}

	/**
	 * The transforms, in order, on one message. Throws a {@link PluginError}; a returned promise
	 * may reject with anything — pass that through {@link asFailure}.
	 * @param owned true when nothing but the engine holds `bytes` (a socket read Bun allocated
	 * for this `data` call, or a part of one, or a joined line) and the engine will not reuse
	 * them: the first transform may then change them in place ({@link Message.writable}).
	 */
	run(bytes: Uint8Array, owned = false): Outcome | Promise<Outcome> {
		this.message.bytes = bytes;
		this.message.writable = owned;
		try {
			return this.runFrom(0);
		} catch (error) {
			throw this.asFailure(error);
		}
	}

	private runFrom(index: number): Outcome | Promise<Outcome> {
		const transforms = this.settings.transforms;
		for (let i = index; i < transforms.length; i++) {
			const transform = transforms[i] as Transform;
			this.current = i;
			const context = this.contexts[transform.index] as PluginContext<unknown>;
			const result = transform.run(this.message, context);
			// Whatever comes next, this plugin has seen (or made) it and may keep it.
			this.message.writable = false;
			if (isThenable(result)) {
				// Promise.resolve: any thenable, even one that calls back at once, becomes a promise.
				return Promise.resolve(result).then((settled) =>
					this.apply(settled) ? this.runFrom(i + 1) : NO_REPLY,
				);
			}
			if (!this.apply(result)) return NO_REPLY;
		}
		return this.message.bytes;
	}

	/**
	 * Applies one transform's result to the message; false means "reply nothing". Anything
	 * outside {@link TransformResult} — `undefined` from a forgotten `return` included — is an
	 * `E_PLUGIN_RESULT` failure, never a silent pass.
	 */
	private apply(result: TransformResult): boolean {
		if (result === null) return true;
		if (isNoReply(result)) return false;
		if (typeof result === "string") this.message.bytes = Buffer.from(result);
		else if (result instanceof Uint8Array) this.message.bytes = result;
		else {
			throw new PluginError(
				"E_PLUGIN_RESULT",
				`returned ${describe(result)}; a transform returns a string or Uint8Array (the reply), null (pass on unchanged) or NO_REPLY${result === undefined ? " — is a return missing?" : ""}`,
				{ plugin: this.settings.transforms[this.current]?.name ?? "?", hook: "transform" },
			);
		}
		return true;
	}

	/** Names the plugin that was running when `error` happened. */
	asFailure(error: unknown): PluginError {
		return failure(this.settings.transforms[this.current]?.name ?? "?", "transform", error);
	}
}

/** A plugin that has a `greet` (or `end`) hook, with its position among all plugins. */
export interface Hook<Result> {
	readonly name: string;
	readonly index: number;
	readonly run: (ctx: PluginContext<unknown>) => Result | Promise<Result>;
}
export type Greeter = Hook<Greeting>;
export type Ender = Hook<TransformResult>;

/** The message object handed to transforms, reused for each message. */
class ReusedMessage implements Message {
	bytes: Uint8Array = EMPTY;
	writable = false;
	text(): string {
		return decoder.decode(this.bytes);
	}
}

/** Where a failure happened, as the other error lines say it: a connection, or a datagram. */
function connectionName(connection: ConnectionInfo): string {
	return connection.transport === "udp"
		? `datagram from ${peerName(connection)}`
		: `connection #${connection.id} ${peerName(connection)}`;
}

// A leading U+FEFF is part of the message, not something to strip.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const EMPTY = new Uint8Array(0);
