/**
 * One exit point: `main` resolves with an exit code, `serve()` and the worker pool resolve a
 * `done` promise, and only bin.ts calls `process.exit` — so the command can be run, and its
 * outcome checked, inside another process (a test, a supervisor) without ending it.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { main } from "../src/command.ts";

const SRC = join(import.meta.dir, "../src");

test("main resolves with the exit code instead of ending the process", async () => {
	expect(await main(["--version"])).toBe(0);
	// A usage error: before, main called process.exit(2) and this test process ended with it.
	expect(await main(["--log-level", "silent", "--prot", "1"])).toBe(2);
	expect(await main(["--log-level=silent", "--unix", "/tmp/x.sock", "--port", "1"])).toBe(2);
});

test("only bin.ts calls process.exit", () => {
	// Every file under src, in subdirectories too (src/page/).
	const files = readdirSync(SRC, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => relative(SRC, join(entry.parentPath, entry.name)));
	const callers = files.filter((file) => {
		const code = readFileSync(join(SRC, file), "utf8")
			.split("\n")
			.filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)) // not in comments and examples
			.join("\n");
		return /\bprocess\.exit\(/.test(code);
	});
	expect(callers).toEqual(["bin.ts"]);
});
