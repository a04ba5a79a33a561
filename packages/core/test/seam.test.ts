/**
 * The transport seam (socket.ts): what a connection tells its socket about why it ends
 * (`endReason`, a WebSocket's close code), the pre-reading stages on their own (opening.ts), and
 * the one listener shape every transport's adapter returns.
 */
import { describe, expect, test } from "bun:test";
import { Connection } from "../src/connection.ts";
import { totals } from "../src/counters.ts";
import { definePlugin, type ServerOptions, startServer } from "../src/index.ts";
import { listenStream } from "../src/listen.ts";
import { ProxyHeaderStage } from "../src/opening.ts";
import { connectionSettings } from "../src/settings.ts";
import type { EchoSocket } from "../src/socket.ts";
import { serveUdp } from "../src/udp.ts";
import { encoder } from "./helpers.ts";
import { v1 } from "./proxy-headers.ts";

/**
 * A socket whose kernel takes everything; records the calls made to it, `end` and `shutdown`
 * with the connection's `endReason` at that moment, as a WebSocket adapter reads it.
 */
function connection(options: ServerOptions = {}) {
	const calls: string[] = [];
	let conn: Connection | null = null;
	const why = () => conn?.endReason;
	const socket: EchoSocket = {
		remoteAddress: "127.0.0.1",
		remotePort: 40000,
		write: (data) => data.byteLength,
		end: () => calls.push(`end ${why()}`),
		shutdown: () => calls.push(`shutdown ${why()}`),
		terminate: () => calls.push("terminate"),
		pause: () => calls.push("pause"),
		resume: () => calls.push("resume"),
	};
	conn = new Connection(socket, connectionSettings(options));
	conn.open();
	return { conn, calls };
}

describe("endReason: why the server ends a connection, read by the socket as it ends it", () => {
	test("normal after the client's FIN; going-away on a stop; error when a plugin throws; too-big for a long line", () => {
		const fin = connection();
		fin.conn.onEnd();
		expect(fin.calls).toEqual(["end normal"]);

		const stop = connection();
		stop.conn.stop();
		expect(stop.calls).toEqual(["shutdown going-away", "resume"]);

		const quiet = connection();
		expect(quiet.conn.endIfQuiet(quiet.conn.lastActive)).toBe(true);
		expect(quiet.calls).toEqual(["shutdown going-away", "resume"]);

		const boom = definePlugin({
			name: "boom",
			transform() {
				throw new Error("no");
			},
		});
		const failed = connection({ plugins: [boom] });
		failed.conn.onData(encoder.encode("x"));
		expect(failed.calls).toEqual(["pause", "shutdown error", "resume"]);

		const long = connection({ framing: "lines", maxLineBytes: 4 });
		long.conn.onData(encoder.encode("too long\n"));
		expect(long.calls).toEqual(["pause", "shutdown too-big", "resume"]);

		const idle = connection();
		idle.conn.abort("idle", "idle_timeout");
		expect(idle.calls).toEqual(["end normal"]);
	});
});

describe("ProxyHeaderStage (phase proxy, out of the byte path)", () => {
	test("a header split over three chunks, then data: done with the source and the rest", () => {
		const settings = connectionSettings({ proxyProtocol: true });
		const stage = new ProxyHeaderStage(settings.counters.tcp);
		const header = v1(
			"TCP4",
			{ address: "10.0.0.7", port: 5555 },
			{ address: "10.0.0.1", port: 80 },
		);
		const bytes = Buffer.concat([header, encoder.encode("hi")]);
		expect(stage.read(bytes.subarray(0, 5)).status).toBe("more");
		expect(stage.read(bytes.subarray(5, 20)).status).toBe("more");
		const step = stage.read(bytes.subarray(20));
		if (step.status !== "done") throw new Error(`expected done, got ${step.status}`);
		expect(step.source).toEqual({ address: "10.0.0.7", port: 5555 });
		expect(step.healthCheck).toBe(false);
		expect(step.summary).toBe("PROXY v1 proxy tcp4");
		expect(Buffer.from(step.rest ?? []).toString()).toBe("hi");
	});

	test("no header, or the client leaving halfway: failed, counted as missing", () => {
		const settings = connectionSettings({ proxyProtocol: true });
		const stage = new ProxyHeaderStage(settings.counters.tcp);
		expect(stage.read(encoder.encode("GET / HTTP/1.1\r\n")).status).toBe("failed");
		const other = new ProxyHeaderStage(settings.counters.tcp);
		expect(other.read(encoder.encode("PROXY TC")).status).toBe("more");
		expect(other.left("closed")).toBe("no PROXY header (the client closed after 8 bytes of it)");
		expect(totals(settings.counters).proxyHeaderMissing).toBe(2);
		expect(settings.counters.tcp.proxyHeaderFailures.missing).toBe(2);
	});
});

describe("one listener shape: kind, address, stop", () => {
	test("the stream adapter and the UDP adapter", async () => {
		const settings = connectionSettings({});
		const stream = await listenStream(settings, { port: 0 }, new Set());
		expect(stream.kind).toBe("tcp");
		expect(stream.address.hostname).toBe("127.0.0.1");
		expect(stream.address.port).toBeGreaterThan(0);
		const udp = await serveUdp(settings, "127.0.0.1", stream.address.port);
		expect(udp.kind).toBe("udp");
		expect(udp.address).toEqual(stream.address);
		await udp.stop(false);
		await udp.stop(true, performance.now());
		await stream.stop(true);
		// Both ports are free again.
		const again = await startServer({ port: stream.address.port, udp: true });
		await again.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 });
	});
});
