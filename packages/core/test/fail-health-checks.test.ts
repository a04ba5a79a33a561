/**
 * `server.failHealthChecks()` (issue 10, scale-out): from the stop signal on, a proxy's health
 * checks (PROXY v2 `LOCAL`, v1 `UNKNOWN`) are closed unanswered so the proxy takes the server
 * out, while clients (PROXY v2 `PROXY`) are still accepted and served as before.
 */
import { expect, test } from "bun:test";
import {
	type ConnectionInfo,
	connect,
	definePlugin,
	type EchoServer,
	startServer,
} from "../src/index.ts";
import { decoder, encoder, recordingLogger } from "./helpers.ts";
import { ipv4Bytes, v1, v2, v2Addresses } from "./proxy-headers.ts";

/** Sends the header and `data` in one write, half-closes, returns all that came back. */
async function exchange(server: EchoServer, header: Uint8Array, data: string): Promise<string> {
	const client = await connect({ port: server.port });
	await client.send(Uint8Array.from([...header, ...encoder.encode(data)]));
	await client.end().catch(() => {});
	return decoder.decode(await client.readAll().catch(() => new Uint8Array()));
}

const check = v2(0, 0x00, []); // what HAProxy's check-send-proxy sends
const client = v2(
	1,
	0x11,
	v2Addresses(ipv4Bytes("198.51.100.4"), ipv4Bytes("127.0.0.1"), 51000, 8888),
);

test("after failHealthChecks, v2 LOCAL and v1 UNKNOWN checks are closed unanswered, unopened and unwarned; clients are still served", async () => {
	const opened: ConnectionInfo[] = [];
	const spy = definePlugin({ name: "spy", open: (info) => void opened.push(info) });
	const logger = recordingLogger();
	const server = await startServer({ port: 0, proxyProtocol: true, plugins: [spy], logger });
	try {
		// Before: a check is answered like any client.
		expect(await exchange(server, check, "echokit-health\n")).toBe("echokit-health\n");
		expect(opened.map((info) => info.healthCheck)).toEqual([true]);

		server.failHealthChecks();
		expect(await exchange(server, check, "echokit-health\n")).toBe("");
		expect(await exchange(server, v1("UNKNOWN"), "echokit-health\n")).toBe("");
		// A client still gets every byte back, and the server still accepts.
		expect(await exchange(server, client, "still served\n")).toBe("still served\n");
		expect(opened.map((info) => info.healthCheck ?? false)).toEqual([true, false]);
		expect(opened[1]?.remoteAddress).toBe("198.51.100.4");
		expect(logger.lines.filter((line) => line.level === "warn")).toEqual([]);
		expect(
			logger.lines.filter((line) => line.message.includes("health check closed unanswered")),
		).toHaveLength(2);
		expect(server.stats()).toMatchObject({ proxyHeaderMissing: 0, proxyHeaderErrors: 0 });
	} finally {
		await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 1000 });
	}
});
