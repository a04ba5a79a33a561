/**
 * The real command, `bun src/bin.ts …`, in a fresh temp folder per test: what it writes, what
 * it prints, and what it refuses (one line on stderr, an exit code, nothing written).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { BIN, run, tempDir } from "./helpers.ts";

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
	temp = tempDir();
});
afterEach(() => temp.remove());

const create = (args: string[], cwd = temp.dir) => run(["bun", BIN, ...args], cwd);
const read = (path: string) => readFileSync(join(temp.dir, path), "utf8");
/** Every path under the temp folder, with file contents: to show nothing changed. */
const snapshot = () =>
	readdirSync(temp.dir, { recursive: true, encoding: "utf8" })
		.sort()
		.map((path) => {
			try {
				return `${path}: ${read(path)}`;
			} catch {
				return `${path}/`;
			}
		});

const FILES = [
	"package.json",
	"tsconfig.json",
	"src/index.ts",
	"test/index.test.ts",
	"README.md",
	".gitignore",
];

describe("what it writes and prints", () => {
	test("a package in a new folder, then the files and the next steps", async () => {
		const { code, stdout, stderr } = await create(["my-plugin"]);
		expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
		expect(stdout).toBe(
			[
				'Created my-plugin (plugin "my-plugin") in ./my-plugin:',
				...FILES.map((file) => `  ${file}`),
				"",
				"Next steps:",
				"  cd ./my-plugin",
				"  bun install",
				"  bun test",
				"  bun run typecheck",
				"",
				"Then, from here (the echokit repository, or a project with @echokit/server and @echokit/client):",
				"  bunx echo-server --framing lines --plugin ./my-plugin",
				"  bunx echo-client --framing lines --message hello   # in another terminal: > hello",
				"",
			].join("\n"),
		);
		const written = readdirSync(join(temp.dir, "my-plugin"), { recursive: true, encoding: "utf8" });
		expect(written.filter((path) => path.includes(".")).sort()).toEqual([...FILES].sort());
		const json = JSON.parse(read("my-plugin/package.json"));
		expect(json).toMatchObject({
			name: "my-plugin",
			version: "0.1.0",
			private: false,
			type: "module",
			exports: { ".": "./src/index.ts" },
			keywords: ["echokit", "echokit-plugin"],
			scripts: { test: "bun test", typecheck: "tsc --noEmit" },
		});
		expect(read("my-plugin/src/index.ts")).toContain('const NAME = "my-plugin";');
		expect(read("my-plugin/src/index.ts")).toContain("export default function myPlugin(");
		expect(read("my-plugin/.gitignore")).toBe("node_modules/\n");
	});

	test("the package name is the folder's base name; the plugin's drops echokit-plugin-", async () => {
		const { code, stdout } = await create(["nested/deeper/echokit-plugin-shout/"]);
		expect(code).toBe(0);
		expect(stdout).toStartWith(
			'Created echokit-plugin-shout (plugin "shout") in ./nested/deeper/echokit-plugin-shout:',
		);
		expect(JSON.parse(read("nested/deeper/echokit-plugin-shout/package.json")).name).toBe(
			"echokit-plugin-shout",
		);
		const index = read("nested/deeper/echokit-plugin-shout/src/index.ts");
		expect(index).toContain('const NAME = "shout";');
		expect(index).toContain("export default function shout(");
	});

	test("--name sets a package name the folder cannot have: a scoped one", async () => {
		const { code, stdout } = await create(["shout", "--name=@me/echokit-plugin-shout"]);
		expect(code).toBe(0);
		expect(stdout).toStartWith('Created @me/echokit-plugin-shout (plugin "shout") in ./shout:');
		expect(JSON.parse(read("shout/package.json")).name).toBe("@me/echokit-plugin-shout");
		expect(read("shout/README.md")).toContain("bun add @me/echokit-plugin-shout");
	});

	test("a scoped name as the folder names the package too", async () => {
		const { code, stdout } = await create(["@me/echokit-plugin-shout"]);
		expect(code).toBe(0);
		expect(stdout).toStartWith(
			'Created @me/echokit-plugin-shout (plugin "shout") in ./@me/echokit-plugin-shout:',
		);
		expect(JSON.parse(read("@me/echokit-plugin-shout/package.json")).name).toBe(
			"@me/echokit-plugin-shout",
		);
	});

	test("a folder starting with '-' is refused with the way to write it", async () => {
		const { code, stderr } = await create(["-x"]);
		expect(code).toBe(2);
		expect(stderr).toBe(
			'create-echokit-plugin: unknown flag "-x" (a folder named -x? write ./-x --name PACKAGE_NAME); see --help (E_USAGE)\n',
		);
		expect((await create(["./-x", "--name", "dash-x"])).code).toBe(0);
	});

	test("an existing empty folder is fine, also as `.`", async () => {
		mkdirSync(join(temp.dir, "empty"));
		expect((await create(["empty"])).code).toBe(0);
		mkdirSync(join(temp.dir, "here-plugin"));
		const here = await create(["."], join(temp.dir, "here-plugin"));
		expect(here.code).toBe(0);
		expect(here.stdout).toContain("--plugin .\n");
		expect(here.stdout).not.toContain("cd .");
		expect(JSON.parse(read("here-plugin/package.json")).name).toBe("here-plugin");
	});

	test("an absolute folder is shown as given", async () => {
		mkdirSync(join(temp.dir, "elsewhere"));
		const target = join(temp.dir, "abs-plugin");
		const { code, stdout } = await create([target], join(temp.dir, "elsewhere"));
		expect(code).toBe(0);
		expect(stdout).toStartWith(`Created abs-plugin (plugin "abs-plugin") in ${target}:`);
		expect(stdout).toContain(`--plugin ${target}\n`);
	});

	test("paths that need quoting are quoted in the next steps", async () => {
		const { code, stdout } = await create(["my dir/x", "--name", "x"]);
		expect(code).toBe(0);
		expect(stdout).toContain("cd './my dir/x'\n");
		expect(stdout).toContain("--plugin './my dir/x'\n");
	});
});

describe("refusals: one line on stderr, an exit code, nothing written", () => {
	test.each([
		[[], "E_USAGE", 2, /missing the folder to create/],
		[["--nmae", "x"], "E_USAGE", 2, /unknown flag "--nmae" \(did you mean --name\?\)/],
		[["my-plugin", "--force"], "E_USAGE", 2, /unknown flag "--force"/],
		[["my-plugin", "-f"], "E_USAGE", 2, /unknown flag "-f"/],
		[["a", "b"], "E_USAGE", 2, /unexpected argument "b"/],
		[["my-plugin", "--name"], "E_USAGE", 2, /missing value for --name/],
		[["My Plugin"], "E_NAME", 2, /"My Plugin" \(the folder's name\): .*URL-friendly.*capital/],
		[["MyPlugin"], "E_NAME", 2, /capital letters; pick another folder, or give the name/],
		[["ok", "--name", "Bad Name"], "E_NAME", 2, /"Bad Name" \(--name\)/],
		[[".dot"], "E_NAME", 2, /cannot start with a period/],
		[["taken"], "E_NOT_EMPTY", 3, /\.\/taken is not empty \(keep\.txt\); nothing written/],
		[["a-file"], "E_NOT_EMPTY", 3, /\.\/a-file exists and is not a folder/],
		[["a-file/below"], "E_WRITE", 1, /cannot write .*a-file\/below: ENOTDIR/],
	] as const)("%p → %s, exit %d", async (args, code, exit, message) => {
		mkdirSync(join(temp.dir, "taken"));
		writeFileSync(join(temp.dir, "taken/keep.txt"), "mine\n");
		writeFileSync(join(temp.dir, "a-file"), "not a folder\n");
		const before = snapshot();
		const result = await create([...args]);
		expect(result.stdout).toBe("");
		expect(result.stderr).toMatch(new RegExp(`^create-echokit-plugin: [^\\n]+ \\(${code}\\)\\n$`));
		expect(result.stderr).toMatch(message);
		expect(result.code).toBe(exit);
		expect(snapshot()).toEqual(before);
	});
});

describe("--help and --version", () => {
	test("--help shows the usage, examples and exit codes, and wins over a bad flag", async () => {
		for (const args of [["--help"], ["-h"], ["--nope", "--help"]]) {
			const { code, stdout, stderr } = await create(args);
			expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
			expect(stdout).toContain("create-echokit-plugin [OPTIONS] <DIR>");
			expect(stdout).toContain("--name=<package-name>");
			expect(stdout).toContain("bunx create-echokit-plugin my-plugin");
			expect(stdout).toContain("3  the folder exists and is not empty (E_NOT_EMPTY)");
			expect(stdout).not.toContain("\u001b["); // piped: no colour codes
		}
		expect(snapshot()).toEqual([]);
	});

	test("--version prints the version alone", async () => {
		expect(await create(["--version"])).toEqual({
			code: 0,
			stdout: `${pkg.version}\n`,
			stderr: "",
		});
	});
});
