/**
 * A connection's lifecycle, driven by a scripted socket (no kernel): each Bun event in turn, the
 * phase it leads to, and what the connection did to the socket. The phases only move forward:
 * handshaking | proxy → reading → draining → flushing → lingering → closed.
 */
import { describe, expect, test } from "bun:test";
import { Connection } from "../src/connection.ts";
import { totals } from "../src/counters.ts";
import { type AnyPlugin, definePlugin, type ServerOptions } from "../src/index.ts";
import { checkMove, Phase, phaseName } from "../src/phase.ts";
import type { SocketLike } from "../src/settings.ts";
import { connectionSettings } from "../src/settings.ts";
import { encoder, recordingLogger } from "./helpers.ts";

/** A socket whose kernel takes at most `budget` more bytes; it records every call made to it. */
class ScriptedSocket implements SocketLike {
	readonly remoteAddress = "127.0.0.1";
	readonly remotePort = 40000;
	budget = Number.POSITIVE_INFINITY;
	readonly calls: string[] = [];
	readonly sent: number[] = [];
	write(data: Uint8Array): number {
		const taken = Math.min(this.budget, data.byteLength);
		this.budget -= taken;
		if (taken > 0) this.sent.push(...data.subarray(0, taken));
		return taken;
	}
	end(): void {
		this.calls.push("end");
	}
	shutdown(): void {
		this.calls.push("shutdown");
	}
	terminate(): void {
		this.calls.push("terminate");
	}
	pause(): void {
		this.calls.push("pause");
	}
	resume(): void {
		this.calls.push("resume");
	}
	get text(): string {
		return Buffer.from(this.sent).toString();
	}
}

function connection(options: ServerOptions = {}, handshaking = false) {
	const logger = recordingLogger();
	const settings = connectionSettings({ ...options, logger });
	const socket = new ScriptedSocket();
	const conn = new Connection(socket, settings, handshaking);
	if (!handshaking && !options.proxyProtocol) conn.open();
	return { conn, socket, settings, logger };
}

/** A transform that resolves when the test says so. */
function deferred(): { plugin: AnyPlugin; release: () => Promise<void> } {
	const pending: (() => void)[] = [];
	return {
		plugin: definePlugin({
			name: "later",
			transform: () => new Promise<null>((resolve) => pending.push(() => resolve(null))),
		}),
		async release() {
			for (const resolve of pending.splice(0)) resolve();
			await Bun.sleep(0);
		},
	};
}

describe("the rule", () => {
	test("an allowed move does not build the connection's label (a string per move)", () => {
		const unread = {
			get label(): string {
				throw new Error("label read");
			},
		};
		expect(() => checkMove(Phase.reading, Phase.draining, unread)).not.toThrow();
		expect(() => checkMove(Phase.closed, Phase.reading, unread)).toThrow("label read");
	});

	test("forward only, into lingering only from flushing, out of handshaking and proxy only to reading or closed: every pair", () => {
		const phases = Object.values(Phase);
		const allowed: string[] = [];
		for (const from of phases) {
			for (const next of phases) {
				try {
					checkMove(from, next, { label: "#1" });
					allowed.push(`${phaseName(from)}→${phaseName(next)}`);
				} catch (error) {
					expect(String(error)).toContain(
						`connection #1: cannot move from ${phaseName(from)} to ${phaseName(next)}`,
					);
				}
			}
		}
		expect(allowed).toEqual([
			"handshaking→reading",
			"handshaking→closed",
			"proxy→reading",
			"proxy→closed",
			"reading→draining",
			"reading→flushing",
			"reading→closed",
			"draining→flushing",
			"draining→closed",
			"flushing→lingering",
			"flushing→closed",
			"lingering→closed",
		]);
	});
});

describe("phases", () => {
	test("client FIN with nothing in flight: reading → draining → flushing, then close once flushed", () => {
		const { conn, socket } = connection();
		expect(conn.phaseName).toBe("reading");
		socket.budget = 2;
		conn.onData(encoder.encode("hello"));
		conn.onEnd();
		expect(conn.phaseName).toBe("flushing"); // "llo" is still queued
		expect(socket.calls).not.toContain("end");
		socket.budget = Number.POSITIVE_INFINITY;
		conn.onDrain();
		expect(socket.text).toBe("hello");
		expect(socket.calls).toContain("end"); // the client's FIN came: close, no lingering
		conn.onClose();
		expect(conn.phaseName).toBe("closed");
	});

	test("client FIN while a transform is in flight: draining until it settles, and later input is still answered", async () => {
		const { plugin, release } = deferred();
		const { conn, socket } = connection({ plugins: [plugin] });
		conn.onData(encoder.encode("a"));
		conn.onData(encoder.encode("b")); // held in the inbox
		conn.onEnd();
		expect(conn.phaseName).toBe("draining");
		await release(); // "a" settles, "b" goes async
		expect(conn.phaseName).toBe("draining");
		await release();
		expect(socket.text).toBe("ab");
		expect(conn.phaseName).toBe("flushing");
		expect(socket.calls).toEqual(["end"]);
	});

	test("server deadline (stop): replies flushed, then a FIN and reading on to the client's: lingering", () => {
		const { conn, socket } = connection({
			framing: "lines",
			plugins: [definePlugin({ name: "id", transform: () => null })],
		});
		conn.onData(encoder.encode("done\npart"));
		conn.stop();
		// The unfinished line is answered, as at a FIN.
		expect(socket.text).toBe("done\npart");
		expect(conn.phaseName).toBe("lingering");
		expect(socket.calls).toEqual(["shutdown", "resume"]);
		conn.onData(encoder.encode("late")); // dropped: our FIN is out
		expect(socket.text).toBe("done\npart");
		conn.onEnd();
		expect(socket.calls.at(-1)).toBe("end");
		conn.onClose();
		expect(conn.phaseName).toBe("closed");
	});

	test("a plugin failure goes from reading straight to flushing, pausing input", () => {
		let calls = 0;
		const boom = definePlugin({
			name: "boom",
			transform() {
				if (++calls > 1) throw new Error("no");
				return null;
			},
		});
		const { conn, socket, logger } = connection({ plugins: [boom] });
		socket.budget = 0;
		conn.onData(encoder.encode("owed"));
		conn.onData(encoder.encode("x"));
		expect(conn.phaseName).toBe("flushing"); // "owed" is still queued
		expect(socket.calls).toEqual(["pause"]);
		socket.budget = Number.POSITIVE_INFINITY;
		conn.onDrain();
		expect(socket.text).toBe("owed");
		expect(conn.phaseName).toBe("lingering");
		expect(
			logger.lines.some((line) => line.level === "error" && line.message.includes("boom")),
		).toBe(true);
	});

	test("abort: a FIN when nothing is owed; a reset when replies would be lost; again after close: a reset", () => {
		const idle = connection();
		expect(idle.conn.abort("idle", "idle_timeout")).toBe(true);
		expect(idle.socket.calls).toEqual(["end"]);
		expect(idle.conn.phaseName).toBe("closed");
		expect(idle.conn.abort("again", "idle_timeout")).toBe(false); // our FIN was ignored: cut
		expect(idle.socket.calls).toEqual(["end", "terminate"]);
		expect(idle.logger.lines.filter((line) => line.level === "warn")).toHaveLength(1);

		const owed = connection();
		owed.socket.budget = 0;
		owed.conn.onData(encoder.encode("queued"));
		expect(owed.conn.abort("deadline", "stop")).toBe(true);
		expect(owed.socket.calls).toEqual(["terminate"]);
	});

	test("close hooks run once, on the first of abort or Bun's close", () => {
		let closes = 0;
		const counted = definePlugin({ name: "count", open: () => 1, close: () => void closes++ });
		const { conn } = connection({ plugins: [counted] });
		conn.abort("bye", "stop");
		conn.onClose();
		conn.onClose();
		expect(closes).toBe(1);
	});
});

describe("TLS handshake", () => {
	const tls = { cert: "unused", key: "unused" };

	test("handshaking: no hook runs until the handshake succeeds; then reading", () => {
		let opened = 0;
		const counted = definePlugin({ name: "count", open: () => void opened++ });
		const { conn } = connection({ tls, plugins: [counted] }, true);
		expect(conn.phaseName).toBe("handshaking");
		expect(conn.isHandshaking).toBe(true);
		expect(opened).toBe(0);
		conn.onHandshake(true, null);
		expect(conn.phaseName).toBe("reading");
		expect(opened).toBe(1);
	});

	test("a failed handshake is logged and counted; no close hook runs (no open hook did)", () => {
		let closes = 0;
		const counted = definePlugin({ name: "count", close: () => void closes++ });
		const { conn, settings, logger } = connection({ tls, plugins: [counted] }, true);
		conn.onHandshake(
			false,
			new Error("error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER"),
		);
		expect(conn.phaseName).toBe("closed");
		expect(totals(settings.counters).handshakeFailures).toBe(1);
		expect(logger.lines).toContainEqual({
			level: "warn",
			message:
				"connection #1 127.0.0.1:40000: TLS handshake failed: wrong version number (not TLS?)",
		});
		conn.onClose();
		expect(closes).toBe(0);
	});

	test("a handshake report after we cut the connection is ignored", () => {
		const { conn, logger } = connection({ tls }, true);
		conn.abort("TLS handshake not finished within 5000 ms (handshake timeout)", "tls_handshake");
		conn.onHandshake(false, new Error("Client network socket disconnected"));
		expect(logger.lines.filter((line) => line.level === "warn")).toHaveLength(1);
	});
});

describe("PROXY header", () => {
	test("proxy: no hook runs until the header is read; plugins see its address; the header is not echoed, what follows it is", () => {
		const seen: string[] = [];
		const spy = definePlugin({
			name: "spy",
			open: (info) => void seen.push(`${info.remoteAddress}:${info.remotePort}`),
		});
		const { conn, socket } = connection({ proxyProtocol: true, plugins: [spy] });
		expect(conn.phaseName).toBe("proxy");
		expect(conn.isAwaitingProxyHeader).toBe(true);
		conn.onData(encoder.encode("PROXY TCP4 192.0.2.7 "));
		expect(seen).toEqual([]);
		expect(conn.remoteAddress).toBe("127.0.0.1");
		conn.onData(encoder.encode("127.0.0.1 5555 8888\r\nhello"));
		expect(conn.phaseName).toBe("reading");
		expect(seen).toEqual(["192.0.2.7:5555"]);
		expect(conn.remoteAddress).toBe("192.0.2.7");
		expect(conn.remotePort).toBe(5555);
		expect(socket.text).toBe("hello");
	});

	test("the client's FIN before a whole header: closed, counted, warned; no close hook runs", () => {
		let closes = 0;
		const counted = definePlugin({ name: "count", close: () => void closes++ });
		const { conn, settings, logger, socket } = connection({
			proxyProtocol: true,
			plugins: [counted],
		});
		conn.onData(encoder.encode("PROXY "));
		conn.onEnd();
		conn.onClose();
		expect(conn.phaseName).toBe("closed");
		expect(totals(settings.counters).proxyHeaderMissing).toBe(1);
		expect(socket.calls).toEqual(["end"]);
		expect(logger.lines).toEqual([
			{
				level: "warn",
				message:
					"closing connection #1 127.0.0.1:40000: no PROXY header (the client closed after 6 bytes of it)",
			},
		]);
		expect(closes).toBe(0);
	});
});

describe("endIfQuiet (graceful stop)", () => {
	test("owed nothing and silent since the mark: half-closed at once", () => {
		const { conn, socket, settings } = connection();
		conn.onData(encoder.encode("answered"));
		const mark = settings.clock.tick++;
		expect(conn.endIfQuiet(mark)).toBe(true);
		expect(conn.phaseName).toBe("lingering");
		expect(socket.calls).toEqual(["shutdown", "resume"]);
	});

	test("read since the mark, replies queued, a transform in flight, or an unfinished line: kept", () => {
		const moved = connection();
		const mark = moved.settings.clock.tick++;
		moved.conn.onData(encoder.encode("x"));
		expect(moved.conn.endIfQuiet(mark)).toBe(false);

		const queued = connection();
		queued.socket.budget = 0;
		queued.conn.onData(encoder.encode("x"));
		expect(queued.conn.endIfQuiet(queued.settings.clock.tick++)).toBe(false);

		const { plugin } = deferred();
		const busy = connection({ plugins: [plugin] });
		busy.conn.onData(encoder.encode("x"));
		expect(busy.conn.endIfQuiet(busy.settings.clock.tick++)).toBe(false);

		const identity = definePlugin({ name: "id", transform: () => null });
		const partial = connection({ framing: "lines", plugins: [identity] });
		partial.conn.onData(encoder.encode("no newline yet"));
		expect(partial.conn.endIfQuiet(partial.settings.clock.tick++)).toBe(false);
		expect(partial.conn.phaseName).toBe("reading");
	});

	test("still waiting for its PROXY header: closed", () => {
		const { conn, socket, logger } = connection({ proxyProtocol: true });
		expect(conn.endIfQuiet(0)).toBe(true);
		expect(conn.phaseName).toBe("closed");
		expect(socket.calls).toEqual(["end"]);
		expect(logger.lines.at(-1)?.message).toContain("server stopping (PROXY header not received)");
	});

	test("still in its TLS handshake: closed", () => {
		const { conn, socket } = connection({ tls: { cert: "x", key: "y" } }, true);
		expect(conn.endIfQuiet(0)).toBe(true);
		expect(conn.phaseName).toBe("closed");
		expect(socket.calls).toEqual(["end"]);
	});
});
