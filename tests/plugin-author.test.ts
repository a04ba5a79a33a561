/**
 * A plugin author's own project, outside the repository, with echokit installed from packed
 * tarballs exactly as from a registry: `bunx create-echokit-plugin my-plugin`, the generated
 * package's own install, tests and typecheck, then the real server loading it by path with
 * options, and from an `echo.config.ts`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { runOk } from "../packages/create-echokit-plugin/test/helpers.ts";
import { killAll, ROOT, ServerProcess } from "./fixtures/server/harness.ts";

/** Where the packed tarballs, the author's project and the plugin live; removed at the end. */
let temp: string;
let project: string;
let plugin: string;
/** Every `@echokit/*` package name → `file:` path of its tarball. */
let echokit: Record<string, string>;
/** What `bunx create-echokit-plugin my-plugin` printed. */
let created: { stdout: string; stderr: string };
/** The generated package.json, as written. */
let generated: { dependencies?: unknown; devDependencies?: unknown; overrides?: unknown };

beforeAll(async () => {
	temp = mkdtempSync(join(tmpdir(), "echokit-plugin-author-"));
	const tarballs = join(temp, "tarballs");
	const packed = await packPublicPackages(tarballs);
	echokit = Object.fromEntries(
		Object.entries(packed).filter(([name]) => name.startsWith("@echokit/")),
	);
	project = join(temp, "project");
	plugin = join(project, "my-plugin");
	mkdirSync(project);
	writeJson(join(project, "package.json"), {
		name: "author-project",
		private: true,
		type: "module",
		dependencies: {
			"@echokit/client": packed["@echokit/client"],
			"@echokit/core": packed["@echokit/core"],
			// Listed because echo.config.ts imports it. Without this line the import works today
			// only because bun's default (hoisted) layout puts the server's dependencies at the top
			// of node_modules; with `bun install --linker isolated` (or pnpm) it fails.
			"@echokit/plugin-uppercase": packed["@echokit/plugin-uppercase"],
			"@echokit/server": packed["@echokit/server"],
			"create-echokit-plugin": packed["create-echokit-plugin"],
		},
		// No registry has the @echokit packages (they are not published yet): these overrides
		// stand in for one, so every @echokit dependency of a dependency (the server's core and
		// builtin plugins, create-echokit-plugin's core) comes from its packed tarball too.
		overrides: echokit,
	});
	await runOk(["bun", "install"], project);

	created = await runOk(["bunx", "create-echokit-plugin", "my-plugin"], project);
	generated = readJson(join(plugin, "package.json"));
	// The same stand-in for a registry as in the project: `@echokit/core@^0.1.0` from its tarball.
	writeJson(join(plugin, "package.json"), { ...generated, overrides: echokit });
	// typescript and bun-types come from the npm registry, as they would for the author.
	await runOk(["bun", "install"], plugin);
});
afterEach(killAll);
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe("a plugin author's project, echokit installed from tarballs", () => {
	test("bunx create-echokit-plugin (from its tarball) wrote the package", () => {
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
		const tested = await runOk(["bun", "test"], plugin);
		expect(tested.stderr).toContain(" 3 pass");
		expect(tested.stderr).toContain(" 0 fail");
		await runOk(["bun", "run", "typecheck"], plugin);
	});

	test("bunx echo-server loads it by path with an option: --plugin ./my-plugin:prefix=…", async () => {
		const server = new ServerProcess(
			["--port", "0", "--framing", "lines", "--plugin", "./my-plugin:prefix=[hi] "],
			{ cwd: project, command: ["bunx", "echo-server"] },
		);
		const port = await server.listening();
		const client = await runOk(
			["bunx", "echo-client", "--port", `${port}`, "--framing", "lines", "--message", "hello"],
			project,
		);
		expect(client.stdout).toBe("[hi] hello\n");
		server.signal("SIGTERM");
		expect(await server.exited()).toBe(0);
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
			});
			const port = await server.listening();
			const client = await runOk(
				["bunx", "echo-client", "--port", `${port}`, "--framing", "lines", "--message", "hello"],
				project,
			);
			expect(client.stdout).toBe("[bot] HELLO\n");
			server.signal("SIGTERM");
			expect(await server.exited()).toBe(0);
		} finally {
			rmSync(join(project, "echo.config.ts"));
		}
	});
});

/**
 * `bun pm pack` in every public package (as a registry would get them; `workspace:*` ranges
 * become versions), into `destination`. Resolves to package name → `file:` tarball path.
 */
async function packPublicPackages(destination: string): Promise<Record<string, string>> {
	const dirs = ["packages", "plugins"].flatMap((parent) =>
		readdirSync(join(ROOT, parent)).map((name) => join(ROOT, parent, name)),
	);
	const packed: Record<string, string> = {};
	await Promise.all(
		dirs.map(async (dir) => {
			let pkg: { name: string; private?: boolean };
			try {
				pkg = readJson(join(dir, "package.json"));
			} catch {
				return; // not a package
			}
			if (pkg.private) return;
			const { stdout } = await runOk(
				["bun", "pm", "pack", "--destination", destination, "--quiet"],
				dir,
			);
			const tarball = stdout.trim().split("\n").at(-1) ?? "";
			packed[pkg.name] = `file:${join(destination, basename(tarball))}`;
		}),
	);
	return packed;
}

function readJson(path: string) {
	return JSON.parse(readFileSync(path, "utf8"));
}

function writeJson(path: string, value: unknown): void {
	writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
