/**
 * The single-file executables (`bun run build:bin`, scripts/build-bin.ts) for this machine: the
 * CLI's core cases run against them with a PATH that has no `bun`, from a folder outside the
 * repository (so no `node_modules` helps them): --version, the lab's dialogue on a terminal,
 * pipe mode, TLS, UDP, a plugin and a config file loaded by path, workers, an error line.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCertificate } from "../packages/core/test/fixtures/tls-cert.ts";
import { stopAll, TerminalSession } from "./fixtures/client/harness.ts";
import { killAll, ROOT, ServerProcess } from "./fixtures/server/harness.ts";

const work = mkdtempSync(join(tmpdir(), "echokit-executables-"));
const bin = join(work, "bin");
const home = join(work, "home");
/** The only folder on PATH: empty, so neither `bun` nor anything else is found there. */
const emptyPath = join(work, "path");
const env = { PATH: emptyPath };
const server = (name = "echo-server") => join(bin, name);
const client = join(bin, "echo-client");
const version = (dir: string) =>
	(JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as { version: string })
		.version;

beforeAll(async () => {
	for (const dir of [home, emptyPath]) mkdirSync(dir, { recursive: true });
	const build = Bun.spawn(["bun", "run", "build:bin", "--outdir", bin], {
		cwd: ROOT,
		stdout: "pipe",
		stderr: "pipe",
	});
	const [out, err, code] = await Promise.all([
		new Response(build.stdout).text(),
		new Response(build.stderr).text(),
		build.exited,
	]);
	if (code !== 0) throw new Error(`bun run build:bin failed (${code}):\n${out}${err}`);
}, 180_000);

afterEach(async () => {
	killAll();
	await stopAll();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs an executable to its end with `stdin`, from the work folder, with {@link env}. */
async function run(command: string[], stdin: Uint8Array | string = "") {
	const proc = Bun.spawn(command, {
		cwd: home,
		env,
		stdin: Buffer.from(stdin),
		stdout: "pipe",
		stderr: "pipe",
	});
	const [stdout, stderr, code] = await Promise.all([
		new Response(proc.stdout).bytes(),
		new Response(proc.stderr).text(),
		proc.exited,
	]);
	return { code, stdout, text: new TextDecoder().decode(stdout), stderr };
}

/** An `echo-server` executable listening on a free port, from `cwd` (the work folder). */
async function startServer(args: string[], cwd = home): Promise<{ port: number }> {
	const proc = new ServerProcess(["--port", "0", ...args], { command: [server()], cwd, env });
	return { port: await proc.listening() };
}

test("the PATH the executables run with finds no bun", () => {
	expect(Bun.which("bun", { PATH: env.PATH })).toBeNull();
});

test("--version prints each package's version", async () => {
	expect((await run([server(), "--version"])).text).toBe(`${version("packages/server")}\n`);
	expect((await run([client, "--version"])).text).toBe(`${version("packages/client")}\n`);
});

test("the lab's dialogue: the client on a terminal, the server's lab lines", async () => {
	const proc = new ServerProcess(["--port", "0"], { command: [server()], cwd: home, env });
	const port = await proc.listening();
	// Inside an executable, the hint names the executable, not bunx.
	await proc.waitFor(new RegExp(`Talk to it: echo-client --port ${port}\\n`), "stderr");
	const session = new TerminalSession(["--port", String(port)], {
		command: [client],
		cwd: home,
		env: { ...process.env, PATH: emptyPath } as Record<string, string>,
	});
	expect(await session.labDialogue()).toBe(0);
	await proc.waitFor(/Data received: 123\n/);
	expect(proc.stdout).toMatch(
		/Connected to 127\.0\.0\.1:\d+\nData received: Hi\nData received: Hello\n/,
	);
});

test("pipe mode: 1 MiB of random bytes come back identical", async () => {
	const { port } = await startServer(["--quiet"]);
	const data = randomBytes(1 << 20);
	const result = await run([client, "--port", String(port)], data);
	expect(result.code).toBe(0);
	expect(Buffer.compare(Buffer.from(result.stdout), data)).toBe(0);
});

test("TLS: server with --tls-cert/--tls-key, client with --tls --ca", async () => {
	const { cert, key } = makeCertificate(work);
	const { port } = await startServer(["--quiet", "--tls-cert", cert, "--tls-key", key]);
	const result = await run([client, "--port", String(port), "--tls", "--ca", cert, "-m", "secret"]);
	expect(result).toMatchObject({ code: 0, text: "secret", stderr: "" });
});

test("UDP: each --message is one datagram, answered in order", async () => {
	const { port } = await startServer([
		"--quiet",
		"--udp",
		"--framing",
		"lines",
		"--plugin",
		"uppercase",
	]);
	const args = ["--udp", "--port", String(port), "--framing", "lines"];
	const result = await run([client, ...args, "-m", "one", "-m", "two"]);
	expect(result).toMatchObject({ code: 0, text: "ONE\nTWO\n" });
});

describe("plugins and config files on disk", () => {
	const plugins = join(work, "plugins");
	beforeAll(() => {
		mkdirSync(plugins, { recursive: true });
		// Imports @echokit/core, which is nowhere on disk here: the executable provides its own.
		writeFileSync(
			join(plugins, "reverse.ts"),
			`import { definePlugin } from "@echokit/core";
export default (options?: { prefix?: string }) => definePlugin({
	name: "reverse",
	transform: (message) => (options?.prefix ?? "") + [...message.text()].reverse().join(""),
});
`,
		);
		writeFileSync(
			join(plugins, "echo.config.ts"),
			`import { defineConfig } from "@echokit/server";
import uppercase from "@echokit/plugin-uppercase";
import reverse from "./reverse.ts";
export default defineConfig({ port: 0, framing: "lines", plugins: [reverse(), uppercase()] });
`,
		);
	});

	test("--plugin PATH:options, after a builtin, in order", async () => {
		const { port } = await startServer([
			"--framing",
			"lines",
			"--plugin",
			"uppercase",
			"--plugin",
			`${join(plugins, "reverse.ts")}:prefix=>`,
		]);
		const result = await run([client, "--port", String(port)], "hello\nworld\n");
		expect(result).toMatchObject({ code: 0, text: ">OLLEH\n>DLROW\n" });
	});

	test("echo.config.ts importing @echokit/server, a plugin package and a file", async () => {
		const proc = new ServerProcess(["--quiet"], { command: [server()], cwd: plugins, env });
		const port = await proc.listening();
		const result = await run([client, "--port", String(port)], "abc\n");
		expect(result).toMatchObject({ code: 0, text: "CBA\n" });
	});
});

test("--workers 2: the executable starts copies of itself, and stops with exit 0", async () => {
	const proc = new ServerProcess(["--port", "0", "--quiet", "--workers", "2"], {
		command: [server()],
		cwd: home,
		env,
	});
	const port = Number((await proc.waitFor(/Listening on [^\s]+:(\d+) \(2 workers\)/))[1]);
	expect((await run([client, "--port", String(port), "-m", "pooled"])).text).toBe("pooled");
	proc.signal("SIGTERM");
	expect(await proc.exited()).toBe(0);
});

test("a user error is one line with its code, no stack trace", async () => {
	const result = await run([server(), "--port", "0", "--plugin", "./missing.ts"]);
	expect(result.code).not.toBe(0);
	expect(result.stderr).toMatch(
		/^echo-server: plugin file not found: \.\/missing\.ts .*\(E_PLUGIN_NOT_FOUND\)\n$/,
	);
});
