/**
 * End to end, as in a clone: a temp folder whose `node_modules` links to the repository's, so
 * `bunx create-echokit-plugin`, `@echokit/core`, `tsc` and `bunx echo-server` resolve as they do
 * at the root of the repository. The generated package must pass its own tests, typecheck and
 * the repository's lint, and the real server must load it, with and without options.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Background, ROOT, run, runOk, tempDir } from "./helpers.ts";

let temp: ReturnType<typeof tempDir>;
let plugin: string;
let created: string;
const servers: Background[] = [];

beforeAll(async () => {
	temp = tempDir({ linkNodeModules: true });
	plugin = join(temp.dir, "my-plugin");
	created = (await runOk(["bunx", "create-echokit-plugin", "my-plugin"], temp.dir)).stdout;
});
afterEach(() => {
	for (const server of servers.splice(0)) server.kill();
});
afterAll(() => temp.remove());

describe("a generated plugin, inside a clone", () => {
	test("the next steps skip `bun install`: @echokit/core is already there", () => {
		expect(created).toContain("Next steps:\n  cd ./my-plugin\n  bun test\n  bun run typecheck\n");
	});

	test("its own `bun test` passes", async () => {
		const { stderr } = await runOk(["bun", "test"], plugin);
		expect(stderr).toContain(" 3 pass");
		expect(stderr).toContain(" 0 fail");
	});

	test("its own `bun run typecheck` passes, and would catch a type error", async () => {
		await runOk(["bun", "run", "typecheck"], plugin);
		// …and it is a real check of the package's sources, not a no-op.
		const broken = join(plugin, "src/broken.ts");
		writeFileSync(broken, 'export const n: number = "text";\n');
		try {
			const { code, stdout } = await run(["bun", "run", "typecheck"], plugin);
			expect(code).not.toBe(0);
			expect(stdout).toContain("src/broken.ts");
		} finally {
			rmSync(broken);
		}
	});

	test("the repository's biome finds nothing to change in it", async () => {
		const biome = join(ROOT, "node_modules/.bin/biome");
		const config = `--config-path=${join(ROOT, "biome.json")}`;
		const { code, stdout, stderr } = await run(
			[biome, "check", config, "--vcs-enabled=false", "--error-on-warnings", "my-plugin"],
			temp.dir,
		);
		expect({ code, output: code === 0 ? "" : stdout + stderr }).toEqual({ code: 0, output: "" });
	});

	test("`bunx echo-server --plugin ./my-plugin` loads it; echo-client gets the prefixed reply", async () => {
		expect(await replyTo("hello", "./my-plugin")).toBe("> hello\n");
	});

	test("options on the command line: --plugin ./my-plugin:prefix=…", async () => {
		expect(await replyTo("hello", "./my-plugin:prefix=[hi] ")).toBe("[hi] hello\n");
	});

	test("an unknown option stops the server with one line naming the plugin and the option", async () => {
		const { code, stdout, stderr } = await run(
			["bunx", "echo-server", "--port", "0", "--plugin", "./my-plugin:prefx=x"],
			temp.dir,
		);
		expect(code).not.toBe(0);
		expect(stdout).toBe("");
		expect(stderr.trim().split("\n")).toHaveLength(1);
		expect(stderr).toMatch(/my-plugin.*unknown option "prefx"/);
	});
});

/**
 * Starts `bunx echo-server --port 0 --framing lines --plugin SPEC` in the temp folder, sends
 * `message` with `bunx echo-client`, stops the server with SIGTERM (it must exit 0), and
 * returns what the client printed.
 */
async function replyTo(message: string, spec: string): Promise<string> {
	const args = ["--port", "0", "--framing", "lines", "--plugin", spec];
	const server = new Background(["bunx", "echo-server", ...args], temp.dir);
	servers.push(server);
	const port = await server.listening();
	const client = await runOk(
		["bunx", "echo-client", "--port", `${port}`, "--framing", "lines", "--message", message],
		temp.dir,
	);
	expect(await server.stop()).toBe(0);
	return client.stdout;
}
