/**
 * Where a `--plugin` target's module is: a file path (relative to the base directory), a
 * package folder given by path, or an installed package resolved from the base directory —
 * with an error that names the real fault when it cannot be found.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { exports } from "resolve.exports";
import { CliError } from "./errors.ts";

/**
 * The file to import for `target` (not a builtin). Throws `E_PLUGIN_NOT_FOUND`, or
 * `E_PLUGIN_INVALID` for a package folder whose `package.json` is broken.
 * @example
 * resolvePlugin("./my-plugins/reverse.ts", process.cwd(), ["echo"]); // "/…/my-plugins/reverse.ts"
 */
export function resolvePlugin(target: string, base: string, builtins: readonly string[]): string {
	return isPath(target) ? resolveFile(target, base) : resolvePackage(target, base, builtins);
}

/** True when `spec` is written as a path and something exists there. */
export function isExistingPath(spec: string, base: string): boolean {
	return isPath(spec) && existsSync(resolve(base, spec));
}

/** `./x.ts`, `../x`, `/abs/x.ts` or a bare `x.ts` are files; anything else names a package. */
function isPath(spec: string): boolean {
	return (
		spec === "." ||
		spec === ".." ||
		spec.startsWith("./") ||
		spec.startsWith("../") ||
		isAbsolute(spec) ||
		/\.[cm]?[jt]sx?$/.test(spec)
	);
}

/** Bun's resolver, so `./plugin` finds `./plugin.ts`; a folder goes to {@link folderEntry}. */
function resolveFile(spec: string, base: string): string {
	const path = resolve(base, spec);
	if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) return folderEntry(spec, path);
	try {
		return Bun.resolveSync(path, base);
	} catch (error) {
		throw new CliError(
			"E_PLUGIN_NOT_FOUND",
			`plugin file not found: ${spec} (looked for ${path})`,
			{
				cause: error,
			},
		);
	}
}

/**
 * A folder given by path loads as an import of its package by name would: the entry its
 * `package.json` names (`exports`, then `main`; Bun, like Node, reads only `main` for a folder
 * path), or else its `index` file.
 */
function folderEntry(spec: string, dir: string): string {
	const entry = manifestEntry(spec, dir);
	if (entry !== undefined) {
		try {
			return Bun.resolveSync(join(dir, entry), dir);
		} catch (error) {
			throw new CliError(
				"E_PLUGIN_NOT_FOUND",
				`plugin ${spec}: its package.json names ${entry} as the entry, and there is no such file`,
				{ cause: error },
			);
		}
	}
	try {
		return Bun.resolveSync(join(dir, "index"), dir);
	} catch (error) {
		const why = existsSync(join(dir, "package.json"))
			? "its package.json names no entry (exports or main)"
			: "it has no package.json";
		throw new CliError(
			"E_PLUGIN_NOT_FOUND",
			`plugin ${spec} is a folder, but ${why} and there is no index file in it`,
			{ cause: error },
		);
	}
}

/** The entry a folder's `package.json` names, or `undefined` without one (or without a name). */
function manifestEntry(spec: string, dir: string): string | undefined {
	const manifest = join(dir, "package.json");
	if (!existsSync(manifest)) return undefined;
	let pkg: { exports?: unknown; main?: unknown };
	try {
		pkg = JSON.parse(readFileSync(manifest, "utf8"));
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		throw new CliError(
			"E_PLUGIN_INVALID",
			`plugin ${spec}: its package.json is not valid JSON (${reason})`,
			{
				cause: error,
			},
		);
	}
	if (pkg.exports !== undefined) {
		try {
			return exports(pkg, ".", { conditions: ["bun"] })?.[0];
		} catch (error) {
			throw new CliError(
				"E_PLUGIN_INVALID",
				`plugin ${spec}: its package.json exports no "." entry to load`,
				{ cause: error },
			);
		}
	}
	return typeof pkg.main === "string" && pkg.main !== "" ? pkg.main : undefined;
}

function resolvePackage(spec: string, base: string, builtins: readonly string[]): string {
	try {
		return Bun.resolveSync(spec, base);
	} catch (error) {
		const local = existsSync(resolve(base, spec)) ? ` (did you mean ./${spec}?)` : "";
		throw new CliError(
			"E_PLUGIN_NOT_FOUND",
			`unknown plugin "${spec}"${local}: not a builtin (${builtins.join(", ")}), a file path, or a package installed in ${base}`,
			{ cause: error },
		);
	}
}
