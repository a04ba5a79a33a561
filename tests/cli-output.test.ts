/**
 * Issue 9, item 8: output meant for pipes and programs, on the real commands. Colour follows the
 * terminal, NO_COLOR and FORCE_COLOR (and only `--help` is ever coloured); `echo-client --help`
 * lists its subcommands; short flags mean the same in every command; `--json` makes every line
 * JSON, errors included.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exchangeDatagram } from "@echokit/core";
import clientPackage from "../packages/client/package.json" with { type: "json" };
import createPackage from "../packages/create-echokit-plugin/package.json" with { type: "json" };
import serverPackage from "../packages/server/package.json" with { type: "json" };
import { BIN as CLIENT_BIN, closedPort, serve, stopAll } from "./fixtures/client/harness.ts";
import {
	decoder,
	exchange,
	killAll,
	ROOT,
	BIN as SERVER_BIN,
	ServerProcess,
	scratchDir,
} from "./fixtures/server/harness.ts";

const CREATE_BIN = join(ROOT, "packages/create-echokit-plugin/src/bin.ts");

/** Every command and subcommand, as typed, with its version. */
const COMMANDS = {
	"echo-server": { argv: ["bun", SERVER_BIN], version: serverPackage.version },
	"echo-client": { argv: ["bun", CLIENT_BIN], version: clientPackage.version },
	"echo-client bench": { argv: ["bun", CLIENT_BIN, "bench"], version: clientPackage.version },
	"create-echokit-plugin": { argv: ["bun", CREATE_BIN], version: createPackage.version },
};
type Command = keyof typeof COMMANDS;

const ESC = "\u001b";

afterEach(async () => {
	killAll();
	await stopAll();
});

interface Ran {
	code: number;
	stdout: string;
	stderr: string;
}

/**
 * The environment a user's shell would give, without the test runner's colour settings, plus
 * `env` (`undefined` removes a variable).
 */
function shellEnv(
	env: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
	const clean: Record<string, string | undefined> = { ...process.env, TERM: "xterm-256color" };
	for (const name of ["NO_COLOR", "FORCE_COLOR", "CI", "TEST", "NODE_ENV"]) delete clean[name];
	return { ...clean, ...env };
}

/** Runs a command to its end with stdout and stderr piped. */
async function run(
	command: Command,
	args: string[],
	env: Record<string, string | undefined> = {},
): Promise<Ran> {
	const proc = Bun.spawn([...COMMANDS[command].argv, ...args], {
		cwd: ROOT,
		stdin: "ignore",
		stdout: "pipe",
		stderr: "pipe",
		env: shellEnv(env),
	});
	const [stdout, stderr, code] = await Promise.all([
		new Response(proc.stdout).text(),
		new Response(proc.stderr).text(),
		proc.exited,
	]);
	return { code, stdout, stderr };
}

/** Runs a command to its end on a pseudo-terminal; resolves to all it printed. */
async function runOnTerminal(
	command: Command,
	args: string[],
	env: Record<string, string | undefined> = {},
	until: string,
): Promise<{ code: number; output: string }> {
	let output = "";
	const decoder = new TextDecoder();
	const proc = Bun.spawn([...COMMANDS[command].argv, ...args], {
		cwd: ROOT,
		env: shellEnv(env),
		terminal: {
			cols: 400,
			rows: 100,
			data: (_terminal, bytes) => {
				output += decoder.decode(bytes, { stream: true });
			},
		},
	});
	try {
		const code = await proc.exited;
		// What the command wrote before it exited may still be on its way through the terminal.
		const deadline = Date.now() + 5000;
		while (!Bun.stripANSI(output).includes(until) && Date.now() < deadline) await Bun.sleep(10);
		return { code, output };
	} finally {
		proc.terminal?.close();
	}
}

/** The lines of a help page's OPTIONS section. */
function optionRows(help: string): string[] {
	const section = help.split("\nOPTIONS\n\n")[1] ?? "";
	return (section.split("\n\n")[0] ?? "").split("\n").filter(Boolean);
}

/** Short flag → long flag, as a help page lists them (`-p, --port=<…>`). */
function shortFlags(help: string): Map<string, string> {
	const pairs = optionRows(help).flatMap((row) => {
		const match = /^ {2}(-\w), (--[\w-]+)/.exec(row);
		return match ? [[match[1] as string, match[2] as string] as const] : [];
	});
	return new Map(pairs);
}

describe("colour follows the terminal, NO_COLOR and FORCE_COLOR", () => {
	test.each(Object.keys(COMMANDS) as Command[])(
		"%s --help: plain and lined up in a pipe or with NO_COLOR; coloured on a terminal or with FORCE_COLOR",
		async (command) => {
			const [piped, forced, noColor, both, forcedOff, terminal, terminalNoColor] =
				await Promise.all([
					run(command, ["--help"]),
					run(command, ["--help"], { FORCE_COLOR: "1" }),
					run(command, ["--help"], { NO_COLOR: "1" }),
					run(command, ["--help"], { NO_COLOR: "1", FORCE_COLOR: "1" }),
					run(command, ["--help"], { FORCE_COLOR: "0" }),
					runOnTerminal(command, ["--help"], {}, "Show the version"),
					runOnTerminal(command, ["--help"], { NO_COLOR: "1" }, "Show the version"),
				]);
			for (const ran of [piped, forced, noColor, both, forcedOff]) {
				expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
			}
			expect(piped.stdout).not.toContain(ESC);
			expect(noColor.stdout).toBe(piped.stdout);
			expect(forcedOff.stdout).toBe(piped.stdout);
			expect(forced.stdout).toContain(`${ESC}[`);
			expect(both.stdout).toBe(forced.stdout);
			expect(Bun.stripANSI(forced.stdout)).toBe(piped.stdout);
			expect(terminal.code).toBe(0);
			expect(terminal.output).toContain(`${ESC}[36m-h, --help${ESC}[39m`);
			expect(terminalNoColor.code).toBe(0);
			expect(terminalNoColor.output).not.toContain(ESC);

			// Plain text that reads well: every flag's description starts in the same column, and
			// no line ends in spaces (stripping citty's colours left ragged, padded columns).
			const rows = optionRows(piped.stdout);
			expect(rows.length).toBeGreaterThan(2);
			const column = (row: string) => (/^ +\S.*?\S {2,}(?=\S)/.exec(row)?.[0] ?? "").length;
			expect(new Set(rows.map(column)).size).toBe(1);
			expect(piped.stdout.split("\n").filter((line) => /\s$/.test(line))).toEqual([]);
		},
		30_000,
	);

	test("FORCE_COLOR=1 colours --help and nothing else: logs, hints, errors, replies, bench reports", async () => {
		const env = { NO_COLOR: undefined, FORCE_COLOR: "1" };
		const server = new ServerProcess(["--port", "0", "--udp", "--framing", "lines"], { env });
		const port = await server.listening();
		expect(await exchange(port, "Hi \x1b[31mred\n")).toBe("Hi \x1b[31mred\n");
		expect(await exchangeDatagram("dgram", { port, timeoutMs: 5000 })).not.toBeNull();
		await server.waitFor(/Data received: dgram/);
		await server.waitFor(/Talk to it/, "stderr");

		const closed = await closedPort();
		const runs = await Promise.all([
			run("echo-server", ["--help"], env),
			run("echo-server", ["--prot", "1"], env),
			run("echo-client", ["--port", `${port}`, "--message", "hello"], env),
			run("echo-client", ["--port", `${closed}`, "--message", "x"], env),
			run("echo-client", ["--prot", "1"], env),
			run("echo-client bench", ["--port", `${port}`, "--duration", "0.2", "--warmup", "0"], env),
			run("echo-client bench", ["--port", `${closed}`], env),
			run("create-echokit-plugin", [], env),
		]);
		const [help, ...rest] = runs;
		expect(help?.stdout).toContain(ESC);
		// The bench's 64 B messages have no newline: a lines server with its transcript holds them
		// as one unfinished line and answers nothing, so the bench fails after its report (1).
		expect(rest.map((ran) => ran.code)).toEqual([2, 0, 3, 2, 1, 3, 2]);
		expect(rest[1]?.stdout).toBe("hello");
		expect(rest[4]?.stdout).toContain("echo-client bench 127.0.0.1");
		for (const output of [
			server.stdout,
			server.stderr,
			...rest.flatMap((r) => [r.stdout, r.stderr]),
		]) {
			expect(output).not.toContain(ESC);
		}
		// The client's bytes in the log are escaped, never passed to the terminal.
		expect(server.lines).toContain("Data received: Hi \\x1b[31mred");
	});
});

describe("subcommands", () => {
	test("echo-client --help lists every subcommand, and each has its own --help", async () => {
		const help = await run("echo-client", ["--help"]);
		const section = help.stdout.split("\nCOMMANDS\n\n")[1]?.split("\n\n")[0] ?? "";
		const listed = section.split("\n").map((row) => row.trim().split(/\s+/)[0]);
		// The subcommands main() dispatches to.
		expect(listed).toEqual(["bench"]);
		expect(help.stdout).toContain("echo-client bench [OPTIONS]");
		for (const name of listed) {
			const own = await run("echo-client", [name as string, "--help"]);
			expect(own.code).toBe(0);
			expect(own.stdout).toContain(`USAGE echo-client ${name} [OPTIONS]`);
		}
	});
});

describe("short flags", () => {
	test("one letter means one flag in every command; -h and -v everywhere", async () => {
		const pages = await Promise.all(
			(Object.keys(COMMANDS) as Command[]).map(async (command) => {
				const { stdout } = await run(command, ["--help"]);
				return [command, shortFlags(stdout)] as const;
			}),
		);
		const meaning = new Map<string, string>();
		for (const [command, flags] of pages) {
			expect({ command, h: flags.get("-h"), v: flags.get("-v") }).toEqual({
				command,
				h: "--help",
				v: "--version",
			});
			for (const [short, long] of flags) {
				expect(`${short} ${long}`).toBe(`${short} ${meaning.get(short) ?? long}`);
				meaning.set(short, long);
			}
		}
		// The two commands share these, for the flags both have.
		const server = new Map(pages).get("echo-server");
		const client = new Map(pages).get("echo-client");
		for (const short of ["-p", "-u", "-U"]) {
			expect(server?.get(short)).toBeDefined();
			expect(client?.get(short)).toBe(server?.get(short) as string);
		}
	});

	test.each(Object.keys(COMMANDS) as Command[])(
		"%s -v prints the version, -h the help",
		async (command) => {
			const [version, help] = await Promise.all([run(command, ["-v"]), run(command, ["-h"])]);
			expect(version).toEqual({ code: 0, stdout: `${COMMANDS[command].version}\n`, stderr: "" });
			expect(help.code).toBe(0);
			expect(help.stdout).toContain("-h, --help");
		},
	);

	test("echo-server -p -u -q, and -U", async () => {
		const server = new ServerProcess(["-p", "0", "-u", "-q"]);
		const port = await server.listening();
		expect(server.lines[0]).toBe(`Listening on 127.0.0.1:${port} (TCP+UDP)`);
		const reply = await exchangeDatagram("dgram", { port, timeoutMs: 5000 });
		expect(reply && decoder.decode(reply)).toBe("dgram");
		expect(await exchange(port, "quiet")).toBe("quiet");

		const dir = mkdtempSync(join(tmpdir(), "echo-short-"));
		try {
			const path = join(dir, "e.sock");
			const unix = new ServerProcess(["-U", path]);
			await unix.waitFor(new RegExp(`Listening on ${path}`));
			expect(await exchange({ unix: path }, "over unix")).toBe("over unix");
			await unix.waitFor(/Data received: over unix/);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
		// -q: the stream and the datagram were served without a transcript line.
		expect(server.lines).toEqual([`Listening on 127.0.0.1:${port} (TCP+UDP)`]);
	});

	test("echo-client -p -m, -u, -U; echo-client bench -p", async () => {
		const tcp = await serve();
		const udp = await serve({ udp: true });
		const dir = mkdtempSync(join(tmpdir(), "echo-short-"));
		try {
			const path = join(dir, "e.sock");
			await serve({ unix: path });
			const [viaTcp, viaUdp, viaUnix, bench] = await Promise.all([
				run("echo-client", ["-p", `${tcp.port}`, "-m", "a", "-m=b"]),
				run("echo-client", ["-u", "-p", `${udp.port}`, "-m", "dgram"]),
				run("echo-client", ["-U", path, "-m", "unix"]),
				run("echo-client bench", [
					"-p",
					`${tcp.port}`,
					"--duration",
					"0.2",
					"--warmup",
					"0",
					"--json",
				]),
			]);
			expect(viaTcp).toEqual({ code: 0, stdout: "ab", stderr: "" });
			expect(viaUdp).toEqual({ code: 0, stdout: "dgram", stderr: "" });
			expect(viaUnix).toEqual({ code: 0, stdout: "unix", stderr: "" });
			expect(bench.code).toBe(0);
			expect(JSON.parse(bench.stdout).target).toBe(`127.0.0.1:${tcp.port}`);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe("--json: every line is JSON, errors included", () => {
	/** Every non-empty line of stdout and stderr parsed; fails the test on one that is not JSON. */
	function jsonLines(ran: Ran): Record<string, unknown>[] {
		const lines = `${ran.stdout}\n${ran.stderr}`.split("\n").filter(Boolean);
		return lines.map((line) => {
			try {
				return JSON.parse(line) as Record<string, unknown>;
			} catch {
				throw new Error(`not a JSON line: ${line}\nstdout: ${ran.stdout}\nstderr: ${ran.stderr}`);
			}
		});
	}

	test("echo-client bench --json against a closed port, and with a bad flag", async () => {
		const port = await closedPort();
		const runs = await Promise.all([
			run("echo-client bench", ["--json", "--port", `${port}`, "--duration", "1"]),
			run("echo-client bench", ["--port", `${port}`, "--mode", "churn", "--json"]),
			run("echo-client bench", ["--json", "--port", "0"]),
			run("echo-client bench", ["--json", "--bogus"]),
		]);
		expect(runs.map((ran) => ran.code)).toEqual([3, 3, 2, 2]);
		for (const ran of runs) {
			expect(ran.stdout).toBe("");
			const lines = jsonLines(ran);
			expect(lines).toHaveLength(1);
			expect(lines[0]).toMatchObject({ level: "error", exitCode: ran.code });
			expect(lines[0]?.code).toMatch(/^E_[A-Z_]+$/);
		}
		expect(jsonLines(runs[0] as Ran)[0]?.code).toBe("E_CONNECT");
	});

	test("echo-server --json: a plugin's process warning is a JSON line too", async () => {
		const scratch = scratchDir();
		try {
			const plugin = scratch.write(
				"old.ts",
				'export default { name: "old", start() { process.emitWarning("old() is going away", "DeprecationWarning", "DEP_OLD"); } };\n',
			);
			const server = new ServerProcess(["--json", "--port", "0", "--plugin", plugin]);
			await server.listening();
			await server.waitFor(/DEP_OLD/, "stderr");
			const lines = server.stderr.split("\n").filter(Boolean);
			expect(lines.map((line) => JSON.parse(line))).toContainEqual(
				expect.objectContaining({
					level: "warn",
					message: "DeprecationWarning: old() is going away",
					code: "DEP_OLD",
				}),
			);
		} finally {
			scratch.remove();
		}
	});

	test("echo-server --json: a bad flag, a port in use (TCP, UDP), a broken plugin: a JSON line on stderr", async () => {
		const tcp = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
		const udp = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
		const scratch = scratchDir();
		try {
			const broken = scratch.write("broken.ts", "export default {\n");
			const runs = await Promise.all([
				run("echo-server", ["--json", "--prot", "9000"]),
				run("echo-server", ["--json=true", "--prot", "9000"]),
				run("echo-server", ["--port", "x", "--json"]),
				run("echo-server", ["--json", "--port", `${tcp.port}`]),
				run("echo-server", ["--json", "--port", `${udp.port}`, "--udp"]),
				run("echo-server", ["--json", "--port", "0", "--plugin", broken]),
			]);
			expect(runs.map((ran) => ran.code)).toEqual([2, 2, 2, 3, 3, 4]);
			for (const ran of runs) {
				const lines = jsonLines(ran);
				expect(ran.stderr.split("\n").filter(Boolean)).toHaveLength(1);
				const error = lines.at(-1);
				expect(error).toMatchObject({ level: "error", exitCode: ran.code });
				expect(error?.code).toMatch(/^E_[A-Z_]+$/);
			}
		} finally {
			tcp.stop(true);
			udp.close();
			scratch.remove();
		}
	});
});
