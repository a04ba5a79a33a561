/**
 * `echo-server` over TLS (--tls-cert/--tls-key, with a certificate openssl makes now), a Unix
 * domain socket (--unix) and UDP (--udp), on the real command.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exchangeDatagram } from "@echokit/core";
import { makeCertificate, type TestCertificate } from "../packages/core/test/fixtures/tls-cert.ts";
import { bounceRounds } from "../packages/core/test/fixtures/udp-bounce.ts";
import {
	client,
	decoder,
	exchange,
	killAll,
	runServer,
	ServerProcess,
} from "./fixtures/server/harness.ts";

let dir: string;
let certificate: TestCertificate;

beforeAll(() => {
	// Outside the repository: socket paths must stay short (about 107 bytes at most).
	dir = mkdtempSync(join(tmpdir(), "echo-cli-"));
	certificate = makeCertificate(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(killAll);

describe("TLS", () => {
	test("--tls-cert/--tls-key: a client trusting the certificate gets its bytes back", async () => {
		const { cert, key } = certificate;
		const server = new ServerProcess(["--port", "0", "--tls-cert", cert, "--tls-key", key]);
		const port = await server.listening();
		expect(server.lines[0]).toBe(`Listening on 127.0.0.1:${port} (TLS)`);
		const tls = { ca: Bun.file(cert) };
		expect(await exchange({ port, tls }, "over TLS")).toBe("over TLS");
		await server.waitFor(/Data received: over TLS/);
		await server.waitFor(
			/Talk to it: bunx echo-client --port \d+ --tls --ca \S+server\.pem/,
			"stderr",
		);
	});

	test("a plaintext client on the TLS port is dropped; TLS clients are still served", async () => {
		const { cert, key } = certificate;
		const server = new ServerProcess(["--port", "0", "--tls-cert", cert, "--tls-key", key]);
		const port = await server.listening();
		const plain = await client(port);
		plain.write("GET / HTTP/1.0\r\n\r\n");
		const back = await plain.readAll().catch(() => new Uint8Array());
		expect(decoder.decode(back)).not.toContain("GET /");
		expect(await exchange({ port, tls: { ca: Bun.file(cert) } }, "still here")).toBe("still here");
	});

	test("unreadable, swapped or mismatched files: one line, exit 6 (E_TLS)", async () => {
		const { cert, key } = certificate;
		const other = makeCertificate(dir, "other");
		const garbage = join(dir, "garbage.pem");
		writeFileSync(garbage, "not a certificate");
		const cases: [string, string, RegExp][] = [
			[join(dir, "missing.pem"), key, /cannot read TLS certificate \S+missing\.pem: no such file/],
			[cert, join(dir, "nokey.pem"), /cannot read TLS key \S+nokey\.pem: no such file/],
			[garbage, key, /TLS certificate \S+garbage\.pem is not a PEM certificate/],
			[cert, other.key, /TLS key \S+other-key\.pem does not belong to the certificate/],
		];
		const results = await Promise.all(
			cases.map(([c, k]) => runServer(["--port", "0", "--tls-cert", c, "--tls-key", k])),
		);
		results.forEach(({ code, stdout, stderr }, i) => {
			expect(code).toBe(6);
			expect(stderr).toMatch(new RegExp(`^echo-server: ${cases[i]?.[2].source}.*\\(E_TLS\\)\\n$`));
			expect(stdout).toBe("");
		});
	});

	test("tls in echo.config.json, paths relative to the file", async () => {
		writeFileSync(
			join(dir, "tls.config.json"),
			JSON.stringify({ tls: { cert: "server.pem", key: "server-key.pem" }, quiet: true }),
		);
		const server = new ServerProcess(["--port", "0", "--config", join(dir, "tls.config.json")]);
		const port = await server.listening();
		expect(server.lines[0]).toEndWith("(TLS)");
		const tls = { ca: Bun.file(certificate.cert) };
		expect(await exchange({ port, tls }, "configured")).toBe("configured");
	});
});

describe("--unix PATH", () => {
	test("echoes over the socket, logs each client sensibly, removes the file on SIGTERM", async () => {
		const path = join(dir, "echo.sock");
		const server = new ServerProcess(["--unix", path]);
		await server.waitFor(new RegExp(`^Listening on ${path}\\n`, "m"));
		expect(existsSync(path)).toBe(true);
		expect(await exchange({ unix: path }, "over a socket")).toBe("over a socket");
		await server.waitFor(/Data received: over a socket/);
		expect(server.lines[1]).toBe(`Connected to client #1 on ${path}`);
		await server.waitFor(new RegExp(`Talk to it: bunx echo-client --unix ${path}\\n`), "stderr");
		server.signal("SIGTERM");
		expect(await server.exited()).toBe(0);
		expect(existsSync(path)).toBe(false);
	});

	test("a stale socket file from a crashed run is replaced", async () => {
		const path = join(dir, "stale.sock");
		// A server that dies by SIGKILL leaves its socket file behind.
		const crashed = new ServerProcess(["--unix", path, "--quiet"]);
		await crashed.waitFor(/Listening on/);
		crashed.kill();
		await crashed.exited();
		expect(existsSync(path)).toBe(true);
		const server = new ServerProcess(["--unix", path, "--quiet"]);
		await server.waitFor(/Listening on/);
		expect(await exchange({ unix: path }, "fresh")).toBe("fresh");
	});

	test("a socket in a directory that does not exist: one line, exit 3", async () => {
		const { code, stderr } = await runServer(["--unix", join(dir, "no/such/dir/e.sock")]);
		expect(code).toBe(3);
		expect(stderr).toMatch(
			/^echo-server: cannot listen on \S+e\.sock: the directory \S+dir does not exist \(create it first\) \(E_UNIX_PATH\)\n$/,
		);
	});
});

describe("--udp", () => {
	test("also serves RFC 862 datagram echo on the same port; TCP goes on", async () => {
		const server = new ServerProcess(["--port", "0", "--udp"]);
		const port = await server.listening();
		expect(server.lines[0]).toBe(`Listening on 127.0.0.1:${port} (TCP+UDP)`);
		const reply = await exchangeDatagram("a datagram", { port, timeoutMs: 5000 });
		expect(reply && decoder.decode(reply)).toBe("a datagram");
		expect(await exchange({ port }, "a stream")).toBe("a stream");
		await server.waitFor(/Data received: a datagram/);
	});

	test("a datagram is logged as `Datagram from HOST:PORT`, not as a connection", async () => {
		const server = new ServerProcess(["--port", "0", "--udp"]);
		const port = await server.listening();
		for (const text of ["one", "two"]) {
			expect(await exchangeDatagram(text, { port, timeoutMs: 5000 })).not.toBeNull();
		}
		await server.waitFor(/Data received: two/);
		expect(await exchange({ port }, "a stream")).toBe("a stream");
		await server.waitFor(/Data received: a stream/);
		const from = expect.stringMatching(/^Datagram from 127\.0\.0\.1:\d+$/);
		expect(server.lines.slice(1)).toEqual([
			from,
			"Data received: one",
			from,
			"Data received: two",
			expect.stringMatching(/^Connected to 127\.0\.0\.1:\d+$/),
			"Data received: a stream",
		]);
	});

	test("--json: each transcript line says its transport", async () => {
		const server = new ServerProcess(["--port", "0", "--udp", "--json"]);
		const port = await server.listening();
		expect(await exchangeDatagram("dgram", { port, timeoutMs: 5000 })).not.toBeNull();
		expect(await exchange({ port }, "stream")).toBe("stream");
		await server.waitFor(/Data received: stream/);
		const lines = server.lines.slice(1).map((line) => JSON.parse(line));
		expect(lines.map(({ message, transport }) => [message.split(" ")[0], transport])).toEqual([
			["Datagram", "udp"],
			["Data", "udp"],
			["Connected", "tcp"],
			["Data", "tcp"],
		]);
	});

	test("plugins apply per datagram", async () => {
		const server = new ServerProcess(["--port", "0", "--udp", "--plugin", "uppercase", "--quiet"]);
		const port = await server.listening();
		const reply = await exchangeDatagram("shout", { port, timeoutMs: 5000 });
		expect(reply && decoder.decode(reply)).toBe("SHOUT");
	});

	test.each([[[]], [["--workers", "2"]]])(
		"--host :: %p: one port serves IPv4 (127.0.0.1) and IPv6 (::1) clients, TCP and UDP",
		async (extra) => {
			const server = new ServerProcess(["--host", "::", "--port", "0", "--udp", ...extra]);
			const port = await server.listening();
			expect(server.lines[0]).toStartWith(`Listening on [::]:${port} (TCP+UDP`);
			for (const hostname of ["127.0.0.1", "::1"]) {
				expect(await exchange({ hostname, port }, `stream to ${hostname}`)).toBe(
					`stream to ${hostname}`,
				);
				const reply = await exchangeDatagram(`datagram to ${hostname}`, { hostname, port });
				expect(reply && decoder.decode(reply)).toBe(`datagram to ${hostname}`);
			}
		},
	);

	// The default transcript is a sync plugin; --quiet leaves none; only worker 1 serves UDP.
	test.each([
		["127.0.0.1", []],
		["::1", ["--quiet"]],
		["127.0.0.1", ["--workers", "2"]],
	])(
		"%s %p: 100 replies that bounce (ICMP port unreachable) cost no other client its reply; the server then idles",
		async (host, extra) => {
			const server = new ServerProcess(["--host", host, "--port", "0", "--udp", ...extra]);
			const port = await server.listening();
			expect(await bounceRounds(host, port, 100)).toBe(100);
			// Not spinning on the errors: over an idle second the server's processes use little CPU
			// (a busy loop would take about the whole second; the bound is generous on purpose).
			const before = cpuSeconds(server.proc.pid);
			await Bun.sleep(1000);
			expect(cpuSeconds(server.proc.pid) - before).toBeLessThan(0.5);
			const reply = await exchangeDatagram("still serving", { hostname: host, port });
			expect(reply && decoder.decode(reply)).toBe("still serving");
			expect(server.stderr).not.toMatch(/ECONNREFUSED|error/i);
		},
	);
});

/** User + system CPU seconds of every process in the process group `group` (Linux /proc). */
function cpuSeconds(group: number): number {
	const ticksPerSecond = 100; // USER_HZ: what /proc/PID/stat counts in on Linux
	let ticks = 0;
	for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
		let stat: string;
		try {
			stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		} catch {
			continue; // gone meanwhile
		}
		// After "pid (comm) ": state, ppid, pgrp, …; utime and stime are fields 14 and 15.
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		if (Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
	}
	return ticks / ticksPerSecond;
}
