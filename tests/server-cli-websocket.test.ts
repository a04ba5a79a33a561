/**
 * `echo-server --ws-port`: WebSocket echo through the plugins, on the real command, talked to
 * with Bun's own WebSocket client.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWebSocket } from "../packages/core/test/websocket-client.ts";
import { exchange, killAll, runServer, ServerProcess } from "./fixtures/server/harness.ts";

afterEach(killAll);

/** Starts `echo-server --port 0 --ws-port 0 ARGS`; returns it with both ports. */
async function start(args: string[] = []) {
	const server = new ServerProcess(["--port", "0", "--ws-port", "0", ...args]);
	const port = await server.listening();
	const match = await server.waitFor(/WebSocket on ws:\/\/127\.0\.0\.1:(\d+)\//);
	return { server, port, wsPort: Number(match[1]) };
}

describe("--ws-port", () => {
	test("the lab's dialogue over WebSocket, through --plugin uppercase; TCP on --port still works", async () => {
		const { server, port, wsPort } = await start(["--plugin", "uppercase"]);
		const client = await openWebSocket(wsPort);
		for (const text of ["Hi", "Hello", "123"]) client.ws.send(text);
		expect(await client.receive(3)).toEqual(["HI", "HELLO", "123"]);
		await server.waitFor(/Connected to 127\.0\.0\.1:\d+ \(WebSocket\)/);
		await server.waitFor(/Data received: Hi\n.*Data received: Hello\n.*Data received: 123/s);
		expect(await exchange(port, "tcp too")).toBe("TCP TOO");
		client.ws.close();
	});

	test("SIGTERM: the WebSocket gets close code 1001, the server exits 0", async () => {
		const { server, wsPort } = await start(["--quiet"]);
		const client = await openWebSocket(wsPort);
		client.ws.send("before");
		expect(await client.receive(1)).toEqual(["before"]);
		server.signal("SIGTERM");
		expect((await client.closed).code).toBe(1001);
		expect(await server.exited()).toBe(0);
	});

	test("--json: the WebSocket line carries wsPort; GET / is the browser page, other plain HTTP gets 426", async () => {
		const server = new ServerProcess(["--port", "0", "--ws-port", "0", "--json"]);
		const line = await server.waitUntil(
			() => server.lines.map((l) => JSON.parse(l)).find((entry) => "wsPort" in entry),
			"the WebSocket line",
		);
		expect(line.message).toBe(`WebSocket on ws://127.0.0.1:${line.wsPort}/`);
		expect(line.wsHost).toBe("127.0.0.1");
		const page = await fetch(`http://127.0.0.1:${line.wsPort}/`);
		expect(page.status).toBe(200);
		expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
		expect(await page.text()).toContain("Enter message to send:");
		const other = await fetch(`http://127.0.0.1:${line.wsPort}/favicon.ico`);
		expect(other.status).toBe(426);
	});

	test("with --unix: the WebSocket line shows the address it listens on (text and --json)", async () => {
		const dir = mkdtempSync(join(tmpdir(), "echokit-ws-unix-"));
		try {
			const socket = join(dir, "echo.sock");
			const server = new ServerProcess(["--unix", socket, "--ws-port", "0", "--quiet"]);
			const match = await server.waitFor(/WebSocket on (\S+)/);
			expect(match[1]).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
			const client = await openWebSocket(Number(new URL(match[1] as string).port));
			client.ws.send("over ws");
			expect(await client.receive(1)).toEqual(["over ws"]);
			client.ws.close();

			const json = new ServerProcess([
				"--unix",
				join(dir, "json.sock"),
				"--ws-port",
				"0",
				"--json",
			]);
			const line = await json.waitUntil(
				() => json.lines.map((l) => JSON.parse(l)).find((entry) => "wsPort" in entry),
				"the WebSocket line",
			);
			expect(line).toMatchObject({
				message: `WebSocket on ws://127.0.0.1:${line.wsPort}/`,
				wsHost: "127.0.0.1",
			});
		} finally {
			killAll();
			rmSync(dir, { recursive: true, force: true });
		}
	});

	test("the same fixed port as --port (or ECHO_SERVER_METRICS_PORT): one line naming both, exit 2, nothing bound", async () => {
		// Refused before any bind, so the fixed port is never opened.
		const same = await runServer(["--port", "48911", "--ws-port", "48911"]);
		expect(same.code).toBe(2);
		expect(same.stderr).toBe(
			"echo-server: --port and --ws-port are both port 48911: each listener needs a port of its own (E_USAGE)\n",
		);
		const mixed = await runServer(["--port", "0", "--ws-port", "48912"], {
			env: { ECHO_SERVER_METRICS_PORT: "48912" },
		});
		expect(mixed.code).toBe(2);
		expect(mixed.stderr).toContain("--ws-port and ECHO_SERVER_METRICS_PORT are both port 48912");
	});

	test("with --workers 2: one line, exit 2 (E_USAGE)", async () => {
		const { code, stderr } = await runServer(["--port", "0", "--ws-port", "0", "--workers", "2"]);
		expect(code).toBe(2);
		expect(stderr).toContain("--ws-port cannot be used with --workers");
		expect(stderr).toContain("E_USAGE");
		expect(stderr.trim().split("\n")).toHaveLength(1);
	});

	test("a port out of range: one line, exit 2", async () => {
		const { code, stderr } = await runServer(["--port", "0", "--ws-port", "70000"]);
		expect(code).toBe(2);
		expect(stderr).toContain("--ws-port");
		expect(stderr.trim().split("\n")).toHaveLength(1);
	});

	test("a --ws-port already taken: one line naming it, exit 3 (E_ADDR_IN_USE)", async () => {
		const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
		try {
			const { code, stderr } = await runServer(["--port", "0", "--ws-port", `${taken.port}`]);
			expect(code).toBe(3);
			expect(stderr.trim()).toBe(
				`echo-server: port ${taken.port} on 127.0.0.1 is already in use (E_ADDR_IN_USE)`,
			);
		} finally {
			taken.stop(true);
		}
	});
});
