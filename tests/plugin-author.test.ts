/**
 * A plugin author's own project, outside the repository, with echokit installed from a registry
 * exactly as an author installs it once it is published: `bun add` of the server, the client, a
 * builtin plugin and `create-echokit-plugin`; `bunx create-echokit-plugin my-plugin`; the
 * generated package's own `bun install` (its package.json as written), tests and typecheck; then
 * the real server loading it by path with options, and from an `echo.config.ts`.
 *
 * The registry is the test's own verdaccio on loopback (fixtures/registry/local-registry.ts).
 * Every public package is published to it as a release packs it (`bun pm pack`, `workspace:*`
 * ranges become versions), and so is every third-party package that they and the generated
 * plugin's toolchain (`typescript` and `bun-types` at the root's pins) need: the closure, at the
 * versions `bun.lock` pins, packed from this clone's `node_modules`
 * (fixtures/registry/third-party.ts). It is the only registry of every command here, each run
 * with a private install cache and temp folder and with its HTTP(S) proxy set to a trap that
 * fails and records any request for another host; each install step, and each test, checks that
 * the trap saw none. It passes with loopback alone:
 * `unshare -rn sh -c 'ip link set lo up && bun test --timeout 60000 tests/plugin-author.test.ts'`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runOk } from "../packages/create-echokit-plugin/test/helpers.ts";
import { publishOrder } from "../scripts/lib/workspace.ts";
import { type LocalRegistry, startRegistry } from "./fixtures/registry/local-registry.ts";
import { thirdPartyClosure } from "./fixtures/registry/third-party.ts";
import { killAll, ROOT, ServerProcess } from "./fixtures/server/harness.ts";

/** The registry's files, the author's project and the plugin live here; removed at the end. */
let temp: string;
let project: string;
let plugin: string;
let registry: LocalRegistry;
/** The environment of every command: the local registry, private caches, the trap. */
let env: Record<string, string | undefined>;
/** What `bunx create-echokit-plugin my-plugin` printed. */
let created: { stdout: string; stderr: string };
/** The generated package.json, as written. */
let generated: { dependencies?: unknown; devDependencies?: unknown };

beforeAll(async () => {
	temp = mkdtempSync(join(tmpdir(), "echokit-plugin-author-"));
	registry = await startRegistry(join(temp, "registry"));
	env = registry.env;
	const packages = publishOrder();
	const root = readJson(join(ROOT, "package.json"));
	// What a generated package.json lists beside @echokit/core, found from the root.
	const toolchain = {
		dir: ROOT,
		manifest: {
			name: "toolchain",
			version: "0.0.0",
			dependencies: {
				"bun-types": root.devDependencies["bun-types"],
				typescript: root.devDependencies.typescript,
			},
		},
	};
	await Promise.all([
		registry.publishWorkspace(packages),
		registry.publishInstalled(thirdPartyClosure([...packages, toolchain])),
	]);

	project = join(temp, "project");
	plugin = join(project, "my-plugin");
	mkdirSync(project);
	writeJson(join(project, "package.json"), {
		name: "author-project",
		private: true,
		type: "module",
	});
	const add = [
		"@echokit/client",
		"@echokit/core",
		// Listed because echo.config.ts imports it. Without this line the import works today only
		// because bun's default (hoisted) layout puts the server's dependencies at the top of
		// node_modules; with `bun install --linker isolated` (or pnpm) it fails.
		"@echokit/plugin-uppercase",
		"@echokit/server",
		"create-echokit-plugin",
	];
	await runOk(["bun", "add", ...add], project, env);
	expect(registry.trap.requests).toEqual([]);

	created = await runOk(["bunx", "create-echokit-plugin", "my-plugin"], project, env);
	generated = readJson(join(plugin, "package.json"));
	expect(registry.trap.requests).toEqual([]);
	// @echokit/core, typescript and bun-types, as the generated package.json asks for them.
	await runOk(["bun", "install"], plugin, env);
	expect(registry.trap.requests).toEqual([]);
}, 120_000);
afterEach(killAll);
afterAll(() => {
	registry?.stop();
	rmSync(temp, { recursive: true, force: true });
});

describe("a plugin author's project, echokit installed from a registry", () => {
	test("bunx create-echokit-plugin (from the registry) wrote the package", () => {
		expect(created.stdout).toStartWith('Created my-plugin (plugin "my-plugin") in ./my-plugin:');
		const core = readJson(join(ROOT, "packages/core/package.json"));
		const root = readJson(join(ROOT, "package.json"));
		expect(generated.dependencies).toEqual({ "@echokit/core": `^${core.version}` });
		expect(generated.devDependencies).toEqual({
			"bun-types": root.devDependencies["bun-types"],
			typescript: root.devDependencies.typescript,
		});
	});

	test("the generated package's own `bun test` and `bun run typecheck` pass", async () => {
		const tested = await runOk(["bun", "test"], plugin, env);
		expect(tested.stderr).toContain(" 3 pass");
		expect(tested.stderr).toContain(" 0 fail");
		await runOk(["bun", "run", "typecheck"], plugin, env);
		expect(registry.trap.requests).toEqual([]);
	});

	test("bunx echo-server loads it by path with an option: --plugin ./my-plugin:prefix=…", async () => {
		const server = new ServerProcess(
			["--port", "0", "--framing", "lines", "--plugin", "./my-plugin:prefix=[hi] "],
			{ cwd: project, command: ["bunx", "echo-server"], env },
		);
		const port = await server.listening();
		const client = await runOk(
			["bunx", "echo-client", "--port", `${port}`, "--framing", "lines", "--message", "hello"],
			project,
			env,
		);
		expect(client.stdout).toBe("[hi] hello\n");
		server.signal("SIGTERM");
		expect(await server.exited()).toBe(0);
		expect(registry.trap.requests).toEqual([]);
	});

	test("echo.config.ts imports it, with defineConfig and a builtin plugin, in order", async () => {
		writeFileSync(
			join(project, "echo.config.ts"),
			`import { defineConfig } from "@echokit/server";
import uppercase from "@echokit/plugin-uppercase";
import myPlugin from "./my-plugin";

export default defineConfig({
	framing: "lines",
	plugins: [uppercase(), myPlugin({ prefix: "[bot] " })],
});
`,
		);
		try {
			const server = new ServerProcess(["--port", "0"], {
				cwd: project,
				command: ["bunx", "echo-server"],
				env,
			});
			const port = await server.listening();
			const client = await runOk(
				["bunx", "echo-client", "--port", `${port}`, "--framing", "lines", "--message", "hello"],
				project,
				env,
			);
			expect(client.stdout).toBe("[bot] HELLO\n");
			server.signal("SIGTERM");
			expect(await server.exited()).toBe(0);
			expect(registry.trap.requests).toEqual([]);
		} finally {
			rmSync(join(project, "echo.config.ts"));
		}
	});
});

function readJson(path: string) {
	return JSON.parse(readFileSync(path, "utf8"));
}

function writeJson(path: string, value: unknown): void {
	writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
