import { describe, expect, test } from "bun:test";
import { EchoError, exchangeDatagram, type ResolvedAddress, startServer } from "../src/index.ts";
import { stoppedAfterEach } from "./helpers.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("exchangeDatagram", () => {
	const servers = stoppedAfterEach({});

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

describe("exchangeDatagram over IPv6 and host names", () => {
	const servers = stoppedAfterEach({});
	const serveUdp = async (hostname: string) => {
		const server = await startServer({ hostname, port: 0, udp: true });
		servers.push(server);
		return server;
	};

	test("an IPv6 literal, bare or in brackets, reaches a server on ::1", async () => {
		const { port } = await serveUdp("::1");
		for (const hostname of ["::1", "[::1]"]) {
			const reply = await exchangeDatagram(`to ${hostname}`, { hostname, port });
			expect(reply && text(reply)).toBe(`to ${hostname}`);
		}
	});

	test("a name that resolves to IPv6 reaches a server on ::1 (resolver seam)", async () => {
		const { port } = await serveUdp("::1");
		const asked: string[] = [];
		const lookup = async (name: string): Promise<ResolvedAddress[]> => {
			asked.push(name);
			return [{ address: "::1", family: 6 }];
		};
		const reply = await exchangeDatagram("by name", { hostname: "localhost", port, lookup });
		expect(reply && text(reply)).toBe("by name");
		expect(asked).toEqual(["localhost"]);
	});

	test("an address that refuses (ICMP port unreachable) is passed over for the next", async () => {
		const { port } = await serveUdp("::1");
		const lookup = async (): Promise<ResolvedAddress[]> => [
			{ address: "127.0.0.1", family: 4 },
			{ address: "::1", family: 6 },
		];
		const reply = await exchangeDatagram("second address", { hostname: "localhost", port, lookup });
		expect(reply && text(reply)).toBe("second address");
	});

	test("localhost reaches a server on ::1 alone and one on 127.0.0.1 alone, as TCP does", async () => {
		for (const hostname of ["::1", "127.0.0.1"]) {
			const { port } = await serveUdp(hostname);
			const reply = await exchangeDatagram(`via localhost to ${hostname}`, {
				hostname: "localhost",
				port,
			});
			expect(reply && text(reply)).toBe(`via localhost to ${hostname}`);
		}
	});

	test("a name that does not resolve is E_CONNECT with the resolver's code", async () => {
		const { port } = await serveUdp("127.0.0.1");
		const lookup = () =>
			Promise.reject(Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }));
		const error = await exchangeDatagram("x", { hostname: "localhost", port, lookup }).catch(
			(error: unknown) => error,
		);
		expect(error).toBeInstanceOf(EchoError);
		expect((error as EchoError).code).toBe("E_CONNECT");
		expect((error as EchoError).message).toBe(`cannot send to localhost:${port}: ENOTFOUND`);
	});
});
