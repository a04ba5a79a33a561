/**
 * The plugin chain for one connection (or one UDP datagram): each plugin's context and state,
 * the message object handed to transforms, and the run over the transforms in order. Stays
 * synchronous — no promise, no closure — for as long as every transform answers synchronously.
 */
import { EchoError } from "./errors.ts";
import { NO_REPLY } from "./plugin.ts";
import { type ConnectionSettings, peerName, type Transform } from "./settings.ts";
import type { ConnectionInfo, Message, PluginContext, TransformResult } from "./types.ts";

/** What the chain decided for one message: the reply's bytes, or nothing. */
export type Outcome = Uint8Array | typeof NO_REPLY;

/** A plugin hook threw or rejected; carries the plugin's name for the log line. */
export class PluginFailure {
	constructor(
		readonly plugin: string,
		readonly hook: string,
		readonly error: unknown,
	) {}
	get message(): string {
		const reason = this.error instanceof Error ? this.error.message : String(this.error);
		return `plugin "${this.plugin}" failed in ${this.hook}: ${reason}`;
	}
}

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

	/** Runs every plugin's `open` hook. @throws {PluginFailure} */
	open(): void {
		const { plugins, logger } = this.settings;
		for (const plugin of plugins) {
			try {
				const state = plugin.open ? plugin.open(this.connection) : undefined;
				this.contexts.push({ connection: this.connection, logger, state });
			} catch (error) {
				throw new PluginFailure(plugin.name, "open", error);
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
				logger.error(
					`${new PluginFailure(plugin?.name ?? "?", "close", error).message} (${describe(this.connection)})`,
				);
			}
		});
		this.contexts.length = 0;
	}

	/**
	 * The transforms, in order, on one message. Throws a {@link PluginFailure}; a returned promise
	 * may reject with anything — pass that through {@link asFailure}.
	 */
	run(bytes: Uint8Array): Outcome | Promise<Outcome> {
		this.message.bytes = bytes;
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
			if (isPromise(result)) {
				return result.then((settled) => (this.apply(settled) ? this.runFrom(i + 1) : NO_REPLY));
			}
			if (!this.apply(result)) return NO_REPLY;
		}
		return this.message.bytes;
	}

	/** Applies one transform's result to the message; false means "reply nothing". */
	private apply(result: TransformResult | undefined): boolean {
		if (result === null || result === undefined) return true;
		if (result === NO_REPLY) return false;
		if (typeof result === "string") this.message.bytes = Buffer.from(result);
		else if (result instanceof Uint8Array) this.message.bytes = result;
		else {
			throw new EchoError(
				"E_PLUGIN_RESULT",
				`returned ${typeof result}; expected string, Uint8Array, null or NO_REPLY`,
			);
		}
		return true;
	}

	/** Names the plugin that was running when `error` happened. */
	asFailure(error: unknown): PluginFailure {
		if (error instanceof PluginFailure) return error;
		return new PluginFailure(
			this.settings.transforms[this.current]?.name ?? "?",
			"transform",
			error,
		);
	}
}

/** The message object handed to transforms, reused for each message. */
class ReusedMessage implements Message {
	bytes: Uint8Array = EMPTY;
	text(): string {
		return decoder.decode(this.bytes);
	}
}

function isPromise(value: unknown): value is Promise<TransformResult> {
	return (
		typeof value === "object" &&
		value !== null &&
		typeof (value as Promise<unknown>).then === "function"
	);
}

function describe(connection: ConnectionInfo): string {
	return `connection #${connection.id} ${peerName(connection)}`;
}

// A leading U+FEFF is part of the message, not something to strip.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const EMPTY = new Uint8Array(0);
