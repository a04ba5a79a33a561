import { expect, test } from "bun:test";
import type { ConnectionInfo, Transport } from "@echokit/core";
import { testPlugin } from "@echokit/core/testing";
import { labLog } from "../src/lab-log.ts";
import { createLogger } from "../src/logger.ts";

/** The transcript's lines for one client of `transport`, with `remoteAddress` as Bun gave it. */
async function transcript(transport: Transport, remoteAddress: string, healthCheck = false) {
	const out: string[] = [];
	const logger = createLogger({
		level: "info",
		json: false,
		stdout: { write: (text: string) => out.push(text) },
		stderr: { write: () => {} },
	});
	const info: Partial<ConnectionInfo> = { transport, remoteAddress, remotePort: 4000, healthCheck };
	const plugin = labLog(logger, "/run/echo.sock");
	const open = plugin.open?.bind(plugin);
	plugin.open = (connection) => (open ? open({ ...connection, ...info }) : null);
	const conn = testPlugin(plugin);
	await conn.send("Hi");
	return out.map((line) => line.trimEnd());
}

test("the arrival line follows the transport", async () => {
	expect(await transcript("tcp", "127.0.0.1")).toEqual([
		"Connected to 127.0.0.1:4000",
		"Data received: Hi",
	]);
	expect(await transcript("tls", "::1")).toEqual(["Connected to [::1]:4000", "Data received: Hi"]);
	expect((await transcript("unix", ""))[0]).toBe("Connected to client #1 on /run/echo.sock");
	expect((await transcript("udp", "127.0.0.1"))[0]).toBe("Datagram from 127.0.0.1:4000");
});

test("a TCP client Bun has no address for (it reset at once) is not worded like a Unix client", async () => {
	expect((await transcript("tcp", ""))[0]).toBe(
		"Connected to client #1 (address unknown: it reset at once)",
	);
});

test("a proxy's health check (PROXY v2 LOCAL, v1 UNKNOWN) leaves no line at all", async () => {
	expect(await transcript("tcp", "127.0.0.1", true)).toEqual([]);
});
