/**
 * `echo-server --workers N`: one primary, N worker processes sharing the port with reusePort.
 * Every test collects the worker pids (from the `--json` Listening line or the debug lines) and
 * checks that none is left; the harness kills the whole process group in any case.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { TCPSocketListener } from "bun";
import { REPEAT_WINDOW_MS } from "../packages/server/src/signals.ts";
import {
	client,
	decoder,
	eventually,
	exchangeBytes,
	FIXTURES,
	killAll,
	runServer,
	ServerProcess,
} from "./fixtures/server/harness.ts";

afterEach(killAll);

interface JsonLine {
	message: string;
	level: string;
	worker?: number;
	pid?: number;
	pids?: number[];
	port?: number;
	workers?: number;
}

const parse = (text: string): JsonLine[] =>
	text
		.split("\n")
		.filter(Boolean)
		.map((line) => JSON.parse(line) as JsonLine);

/** Alive means running: a process that is gone or a zombie (exited, not yet reaped) is not. */
function alive(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
	} catch {
		return false;
	}
}

async function allGone(pids: number[]): Promise<void> {
	await eventually(async () => (pids.some(alive) ? undefined : true), `pids ${pids} to exit`);
}

describe("--workers 2", () => {
	test("one Listening line with the real port; many connections all echo, served by both workers; SIGTERM stops all, exit 0", async () => {
		const server = new ServerProcess(["--port", "0", "--workers", "2", "--json"]);
		const port = await server.listening();
		const listening = parse(server.stdout).find((line) => line.message.startsWith("Listening"));
		expect(listening).toMatchObject({
			message: `Listening on 127.0.0.1:${port} (2 workers)`,
			port,
			workers: 2,
		});
		const pids = listening?.pids ?? [];
		expect(pids).toHaveLength(2);
		expect(pids.every(alive)).toBe(true);

		const payloads = Array.from({ length: 40 }, () =>
			crypto.getRandomValues(new Uint8Array(16 * 1024)),
		);
		const echoed = await Promise.all(payloads.map((payload) => exchangeBytes(port, payload)));
		echoed.forEach((bytes, i) => {
			expect(Buffer.from(bytes).equals(payloads[i] as Uint8Array)).toBe(true);
		});
		// Workers log on the same stdout; their lines say which one served (and the kernel spreads
		// 40 connections over both, short of a 1 in 2^39 chance).
		const connected = await server.waitUntil(() => {
			const lines = parse(server.stdout).filter((line) => line.message.startsWith("Connected"));
			return lines.length === 40 ? lines : undefined;
		}, "40 Connected lines");
		expect(new Set(connected.map((line) => line.worker))).toEqual(new Set([1, 2]));
		expect(new Set(connected.map((line) => line.pid))).toEqual(new Set(pids));
		expect(parse(server.stdout).filter((l) => l.message.startsWith("Listening"))).toHaveLength(1);

		server.signal("SIGTERM");
		expect(await server.exited()).toBe(0);
		await allGone(pids);
		expect(parse(server.stdout).some((l) => l.message.startsWith("SIGTERM: stopping 2"))).toBe(
			true,
		);
	});

	test("plain output: Listening with the worker count, the hint, a debug line per worker; a killed worker is replaced", async () => {
		const server = new ServerProcess(["--port", "0", "--workers", "2", "--log-level", "debug"]);
		const port = await server.listening();
		expect(server.lines[0]).toBe(`Listening on 127.0.0.1:${port} (2 workers)`);
		await server.waitFor(/Talk to it: bunx echo-client --port \d+\n/, "stderr");
		const started = () =>
			[...server.stderr.matchAll(/worker (\d) \(pid (\d+)\) listening on 127\.0\.0\.1:(\d+)/g)].map(
				([, index, pid, at]) => ({ index: Number(index), pid: Number(pid), port: Number(at) }),
			);
		const first = started();
		expect(first.map((w) => w.index).sort()).toEqual([1, 2]);
		expect(first.every((w) => w.port === port)).toBe(true);
		const victim = first[0] as { index: number; pid: number };

		process.kill(victim.pid, "SIGKILL");
		await server.waitFor(
			new RegExp(`worker ${victim.index} \\(pid ${victim.pid}\\) was killed by SIGKILL`),
			"stderr",
		);
		await server.waitFor(/worker \d replaced by a new one \(pid \d+\)/, "stderr");
		const all = started().map((w) => w.pid);
		expect(all).toHaveLength(3);
		const text = new TextEncoder().encode("after the crash");
		for (let i = 0; i < 6; i++) {
			expect(decoder.decode(await exchangeBytes(port, text))).toBe("after the crash");
		}
		// Each plain line about a connection names the worker that wrote it, as JSON lines do.
		const connected = await server.waitUntil(() => {
			const lines = server.lines.filter((line) => line.includes("Connected to"));
			return lines.length >= 6 ? lines : undefined;
		}, "6 Connected lines");
		for (const line of connected)
			expect(line).toMatch(/^\[worker [12]\] Connected to 127\.0\.0\.1:\d+$/);
		const received = server.lines.filter((line) => line.includes("Data received"));
		for (const line of received) expect(line).toMatch(/^\[worker [12]\] Data received: /);

		server.signal("SIGTERM");
		expect(await server.exited()).toBe(0);
		await allGone(all);
	});

	test("a second signal kills the workers at once: exit 143, nothing left", async () => {
		const args = ["--port", "0", "--workers", "2", "--json", "--plugin", `${FIXTURES}/hang.ts`];
		const server = new ServerProcess(args);
		const port = await server.listening();
		const pids = parse(server.stdout).find((l) => l.pids)?.pids ?? [];
		const c = await client(port);
		c.write("never answered");
		await server.waitFor(/Data received: never answered/);
		server.signal("SIGTERM");
		await server.waitFor(/SIGTERM: stopping 2 workers/);
		await Bun.sleep(REPEAT_WINDOW_MS + 100); // a repeat sooner is the same signal, twice
		server.signal("SIGTERM");
		expect(await server.exited()).toBe(143);
		await allGone(pids);
	});

	test("workers that keep dying: the primary gives up, stops the rest and exits 1", async () => {
		const server = new ServerProcess(["--port", "0", "--workers", "2", "--json", "--quiet"]);
		await server.listening();
		const pids = [...(parse(server.stdout).find((l) => l.pids)?.pids ?? [])];
		let victim = pids[0] as number;
		for (let death = 1; death <= 3; death++) {
			process.kill(victim, "SIGKILL");
			const replaced = /replaced by a new one \(pid (\d+)\)/g;
			const next = await server.waitUntil(() => {
				const all = [...server.stderr.matchAll(replaced)];
				return all.length === death ? Number(all[death - 1]?.[1]) : undefined;
			}, `replacement ${death}`);
			pids.push(next);
			victim = next;
		}
		process.kill(victim, "SIGKILL");
		expect(await server.exited()).toBe(1);
		expect(server.stderr).toContain("workers died 4 times in 30 s: stopping");
		await allGone(pids);
	});
});

describe("--workers: start-up problems are reported once", () => {
	test("a plugin that cannot load: one line from worker 1, the primary exits 4", async () => {
		const { code, stdout, stderr } = await runServer([
			"--port",
			"0",
			"--workers",
			"2",
			"--plugin",
			"./nope.ts",
		]);
		expect(code).toBe(4);
		expect(stderr).toMatch(
			/^echo-server: plugin file not found: \.\/nope\.ts .*\(E_PLUGIN_NOT_FOUND\)\n$/,
		);
		expect(stdout).toBe("");
	});

	test("a port in use: one line, exit 3, no worker started", async () => {
		const busy: TCPSocketListener = Bun.listen({
			hostname: "127.0.0.1",
			port: 0,
			socket: { data() {} },
		});
		try {
			const args = ["--port", `${busy.port}`, "--workers", "2"];
			const { code, stderr } = await runServer(args);
			expect(code).toBe(3);
			expect(stderr).toBe(
				`echo-server: port ${busy.port} on 127.0.0.1 is already in use (E_ADDR_IN_USE)\n`,
			);
		} finally {
			busy.stop(true);
		}
	});

	test("--workers with --unix is a usage error", async () => {
		const { code, stderr } = await runServer(["--unix", "/tmp/w.sock", "--workers", "auto"]);
		expect(code).toBe(2);
		expect(stderr).toContain("--workers shares a TCP port: it cannot be used with --unix");
	});
});
