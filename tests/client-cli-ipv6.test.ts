/**
 * `echo-client` over IPv6: every mode (one-shot, pipe, interactive; `bench` in each scenario) and
 * every transport (TCP, TLS, UDP) against servers on `::1`, with `--host ::1`, `--host [::1]`,
 * and `--host localhost` (a name that reaches ::1 without DNS: Bun's TCP connect and the UDP
 * resolver both try the two loopback addresses for it). The real bin against in-process servers.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerOptions } from "../packages/core/src/index.ts";
import { lazyCertificate } from "../packages/core/test/fixtures/tls-cert.ts";
import {
	CTRL_D,
	closedPort,
	PROMPT,
	run,
	serve,
	shout,
	stopAll,
	TerminalSession,
	text,
} from "./fixtures/client/harness.ts";

const dir = mkdtempSync(join(tmpdir(), "echokit-client-ipv6-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const certificate = lazyCertificate(dir);

afterEach(stopAll);

/** The flags that reach each transport's server, all on ::1 only, uppercasing. */
async function serversOnIpv6(): Promise<Record<"TCP" | "TLS" | "UDP", string[]>> {
	const options: ServerOptions = { hostname: "::1", plugins: [shout] };
	const plain = await serve({ ...options, udp: true });
	const { cert, key } = certificate();
	const tls = await serve({ ...options, tls: { cert: Bun.file(cert), key: Bun.file(key) } });
	return {
		TCP: ["--port", String(plain.port)],
		TLS: ["--port", String(tls.port), "--ca", cert],
		UDP: ["--port", String(plain.port), "--udp"],
	};
}

const HOSTS = ["::1", "[::1]", "localhost"];

describe("every transport and mode against a server on ::1 only", () => {
	test("one-shot", async () => {
		const servers = await serversOnIpv6();
		for (const host of HOSTS) {
			for (const [transport, flags] of Object.entries(servers)) {
				const result = await run(["--host", host, ...flags, "--message", `${transport} ${host}`]);
				expect({ host, transport, ...result, stdout: text(result.stdout) }).toEqual({
					host,
					transport,
					code: 0,
					stdout: `${transport} ${host}`.toUpperCase(),
					stderr: "",
				});
			}
		}
	});

	test("pipe", async () => {
		const servers = await serversOnIpv6();
		for (const host of HOSTS) {
			for (const [transport, flags] of Object.entries(servers)) {
				const input = Buffer.from(`one ${transport}\ntwo ${host}\n`);
				const result = await run(["--host", host, ...flags], input);
				expect({ host, transport, ...result, stdout: text(result.stdout) }).toEqual({
					host,
					transport,
					code: 0,
					stdout: `ONE ${transport}\nTWO ${host.toUpperCase()}\n`,
					stderr: "",
				});
			}
		}
	});

	test("interactive", async () => {
		const servers = await serversOnIpv6();
		for (const [transport, flags] of Object.entries(servers)) {
			const client = new TerminalSession(["--host", "::1", ...flags, "--framing", "lines"]);
			await client.prompts(1, `the first prompt (${transport})`);
			client.type("hello\r");
			await client.promptAfter("Received: HELLO");
			client.type(CTRL_D);
			expect(await client.exitCode()).toBe(0);
			expect(client.screen).toStartWith(`${PROMPT}hello\nReceived: HELLO\n${PROMPT}`);
		}
	});

	test("refused: the error names [::1]:PORT, however --host was written (TCP and UDP)", async () => {
		const port = await closedPort({ hostname: "::1", udp: true });
		for (const host of ["::1", "[::1]"]) {
			for (const flags of [[], ["--udp"]]) {
				const result = await run([
					"--host",
					host,
					"--port",
					String(port),
					...flags,
					"--message",
					"x",
				]);
				expect({ host, flags, code: result.code, stderr: result.stderr }).toEqual({
					host,
					flags,
					code: 3,
					stderr: `echo-client: cannot connect to [::1]:${port}: connection refused (E_CONNECT)\n`,
				});
			}
		}
	});
});

describe("echo-client bench against a server on ::1 only", () => {
	test.each([
		["rr, closed loop", []],
		["rr, open loop", ["--rate", "200"]],
		["churn, FIN", ["--mode", "churn"]],
		["churn, RST", ["--mode", "churn", "--close", "reset"]],
	])("%s: every message checked, the report names [::1]:PORT", async (_scenario, flags) => {
		const server = await serve({ hostname: "::1" });
		for (const host of HOSTS) {
			const args = ["bench", "--host", host, "--port", String(server.port), ...flags];
			const result = await run([...args, "--duration", "0.3", "--warmup", "0", "--json"]);
			expect(result.stderr).toBe("");
			expect(result.code).toBe(0);
			const report = JSON.parse(text(result.stdout));
			expect(report.messages).toBeGreaterThan(0);
			expect({ errors: report.errors, mismatches: report.mismatches }).toEqual({
				errors: 0,
				mismatches: 0,
			});
			expect(report.target).toBe(
				host === "localhost" ? `localhost:${server.port}` : `[::1]:${server.port}`,
			);
		}
	});

	test("refused: the error names [::1]:PORT", async () => {
		const port = await closedPort({ hostname: "::1" });
		for (const host of ["::1", "[::1]"]) {
			const result = await run([
				"bench",
				"--host",
				host,
				"--port",
				String(port),
				"--duration",
				"0.3",
			]);
			expect(result.code).toBe(3);
			expect(result.stderr).toContain(`cannot connect to [::1]:${port}: connection refused`);
		}
	});
});
