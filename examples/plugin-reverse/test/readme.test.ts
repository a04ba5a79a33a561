import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const read = (path: string) => readFileSync(join(import.meta.dir, "..", path), "utf8");

/** Code lines only: no doc comments, no blank lines. */
function code(text: string): string[] {
	return text
		.replace(/\/\*\*[\s\S]*?\*\//g, "")
		.split("\n")
		.filter((line) => line.trim() !== "");
}

test("the README shows src/index.ts as it is", () => {
	const readme = read("README.md");
	const block = /## The plugin[\s\S]*?```ts[^\n]*\n([\s\S]*?)```/.exec(readme)?.[1];
	expect(block).toBeDefined();
	expect(code(block ?? "")).toEqual(code(read("src/index.ts")));
});
