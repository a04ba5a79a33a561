import { afterEach, describe, expect, test } from "bun:test";
import { EchoError, type EchoServer, exchangeDatagram, startServer } from "../src/index.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("exchangeDatagram", () => {
	const servers: EchoServer[] = [];
	afterEach(async () => {
		await Promise.all(servers.splice(0).map((server) => server.stop()));
	});

	test("returns the reply from a UDP echo server", async () => {
		const server = await startServer({ port: 0, udp: true });
		servers.push(server);
		const reply = await exchangeDatagram("ping", {
			hostname: "127.0.0.1",
			port: server.port,
			timeoutMs: 2000,
		});
		expect(reply && text(reply)).toBe("ping");
	});

	test("a closed local port is E_CONNECT (connection refused), not an uncaught error", async () => {
		const server = await startServer({ port: 0, udp: true });
		const { port } = server;
		await server.stop();
		// The kernel answers at once (ICMP "port unreachable"); a timeout would give null and fail.
		const target = { hostname: "127.0.0.1", port, timeoutMs: 20_000 };
		const error = await exchangeDatagram("ping", target).catch((error: unknown) => error);
		expect(error).toBeInstanceOf(EchoError);
		expect((error as EchoError).code).toBe("E_CONNECT");
		expect((error as { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED");
	});
});
