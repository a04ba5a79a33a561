/**
 * Test a plugin without sockets: the same connection code the server runs, driven by a fake
 * socket that records what would have been sent.
 * @module
 */
import { Connection } from "./connection.ts";
import { connectionSettings } from "./settings.ts";
import type { EchoSocket } from "./socket.ts";
import type { AnyPlugin, Framing, LogFields, Logger } from "./types.ts";

/** One line a plugin (or the engine) logged during a test. */
export interface LoggedLine {
	level: "debug" | "info" | "warn" | "error";
	message: string;
	/**
	 * The line's fields, as a logger gets them: for a plugin failure `event: "plugin_error"`,
	 * `code` (`E_PLUGIN`, `E_PLUGIN_RESULT`), `plugin` and `hook`. Absent when the line has none.
	 */
	fields?: LogFields;
}

/** Options of {@link testPlugin}. */
export interface TestPluginOptions {
	/** Default `raw`. */
	framing?: Framing;
	/** Default 1 MiB. */
	maxLineBytes?: number;
}

/** A fake connection running the plugins under test. */
export interface PluginTester {
	/**
	 * Feeds a copy of the bytes as one socket read, then waits until every transform so far has
	 * settled. Ignored once the server side closed (a plugin failed); throws after {@link end}:
	 * a client sends nothing after its half-close.
	 */
	send(data: string | Uint8Array): Promise<void>;
	/**
	 * Half-closes as a client would (FIN): an unterminated last line is answered, the plugins'
	 * `end` hooks run (async ones awaited) and what they return is recorded; then waits until
	 * the connection is done.
	 */
	end(): Promise<void>;
	/** Waits until nothing is in flight: an async greeting, or async transforms. */
	idle(): Promise<void>;
	/** Everything sent so far: greetings (`greet` hooks) first, then the replies. */
	readonly bytes: Uint8Array;
	/** Everything sent back so far, decoded as UTF-8. */
	readonly text: string;
	/** True once the server side closed the connection (after `end`, or after a plugin failed). */
	readonly closed: boolean;
	/** What was logged, in order. */
	readonly logs: readonly LoggedLine[];
}

/**
 * Runs one plugin, or a chain of them, on a fake connection: the connection opens at once
 * (`open`, then `greet` hooks), and each `send` is one socket read. Throws an `EchoError`
 * `E_INVALID_OPTION` for something that is not a plugin (a factory passed uncalled, say).
 * @example
 * import { testPlugin } from "@echokit/core/testing";
 * import uppercase from "@echokit/plugin-uppercase";
 * const t = testPlugin(uppercase(), { framing: "lines" });
 * await t.send("hello\n");
 * expect(t.text).toBe("HELLO\n");
 */
export function testPlugin(
	plugins: AnyPlugin | readonly AnyPlugin[],
	options: TestPluginOptions = {},
): PluginTester {
	const logs: LoggedLine[] = [];
	const log =
		(level: LoggedLine["level"]) =>
		(message: string, fields?: LogFields): void => {
			logs.push(fields === undefined ? { level, message } : { level, message, fields });
		};
	const logger: Logger = {
		debug: log("debug"),
		info: log("info"),
		warn: log("warn"),
		error: log("error"),
	};
	const list = Array.isArray(plugins) ? plugins : [plugins as AnyPlugin];
	const settings = connectionSettings({ ...options, plugins: list, logger });
	const socket = new RecordingSocket();
	const connection = new Connection(socket, settings);
	socket.onEnd = () => connection.onClose();
	connection.open();
	const settle = async () => {
		// Async transforms settle on later ticks; wait until the connection has nothing in flight.
		while (connection.isBusy && !socket.ended) await Bun.sleep(1);
	};
	let ended = false;
	return {
		async send(data) {
			if (ended)
				throw new Error(
					"testPlugin: send() after end(): a client sends nothing after its half-close",
				);
			// A fresh buffer, as Bun gives each read: a plugin may change it (`message.writable`),
			// and the caller's array must stay as it was.
			if (!socket.ended) connection.onData(Buffer.from(data));
			await settle();
		},
		async end() {
			ended = true;
			connection.onEnd();
			await settle();
		},
		idle: settle,
		get bytes() {
			return Buffer.concat(socket.written);
		},
		get text() {
			return new TextDecoder("utf-8", { ignoreBOM: true }).decode(Buffer.concat(socket.written));
		},
		get closed() {
			return socket.ended;
		},
		logs,
	};
}

/** A socket whose kernel takes every byte at once. */
class RecordingSocket implements EchoSocket {
	readonly remoteAddress = "127.0.0.1";
	readonly remotePort = 40000;
	readonly written: Uint8Array[] = [];
	ended = false;
	onEnd: () => void = () => {};
	write(data: Uint8Array): number {
		if (this.ended) return -1;
		this.written.push(Uint8Array.from(data));
		return data.byteLength;
	}
	end(): void {
		if (this.ended) return;
		this.ended = true;
		this.onEnd();
	}
	shutdown(): void {
		this.end();
	}
	terminate(): void {
		this.end();
	}
	pause(): void {}
	resume(): void {}
}
