/**
 * The versions the generated package.json pins: `@echokit/core` as installed next to this
 * command, and the TypeScript toolchain as this package's own devDependencies (which a test keeps
 * equal to the echokit repository's root pins).
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pkg from "../package.json" with { type: "json" };

/**
 * The version of the `@echokit/core` this command depends on (the workspace's in a clone, the
 * installed one from a registry or tarball), found from where its entry resolves: core exports
 * no `./package.json`, and a path relative to this file would only work in the repository.
 * @example
 * coreVersion(); // "0.1.0"
 */
export function coreVersion(): string {
	const entry = Bun.resolveSync("@echokit/core", import.meta.dir);
	for (let dir = dirname(entry); ; dir = dirname(dir)) {
		const file = join(dir, "package.json");
		if (existsSync(file)) {
			const json = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
			if (json.name === "@echokit/core" && json.version) return json.version;
		}
		if (dirname(dir) === dir) throw new Error(`no package.json of @echokit/core above ${entry}`);
	}
}

/** `bun-types` and `typescript` exactly as pinned in this package's devDependencies. */
export const TOOLCHAIN = {
	"bun-types": pkg.devDependencies["bun-types"],
	typescript: pkg.devDependencies.typescript,
} as const;

/** This command's version, for `--version`. */
export const VERSION = pkg.version;

/** This command's one-line description, for `--help`. */
export const DESCRIPTION = pkg.description;
