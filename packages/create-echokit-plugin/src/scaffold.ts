/**
 * Writes a new plugin package: checks the name and the target first, then writes each file
 * with `wx` (create, never replace), and on a failure part-way removes what it wrote.
 * @module
 */
import { mkdirSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { CliError } from "./errors.ts";
import { checkPackageName, factoryName, pluginName } from "./names.ts";
import { renderFiles } from "./template.ts";
import { coreVersion, TOOLCHAIN } from "./versions.ts";

/** Options of {@link scaffold}. */
export interface ScaffoldOptions {
	/** The target folder, relative to `cwd` or absolute. */
	dir: string;
	/** The package name; default the folder's base name. */
	name?: string | undefined;
	/** Default `process.cwd()`. */
	cwd?: string;
}

/** What {@link scaffold} wrote. */
export interface ScaffoldResult {
	packageName: string;
	plugin: string;
	/** The folder as the user should type it from `cwd`: `./my-plugin`, `../x`, or absolute. */
	shownDir: string;
	/** The folder, absolute. */
	target: string;
	/** The files written, relative to the folder. */
	files: string[];
}

/**
 * Creates the plugin package. Throws `E_NAME` or `E_NOT_EMPTY` before writing anything, and
 * `E_WRITE` (after removing what it wrote) if writing fails.
 * @example
 * const { files } = scaffold({ dir: "my-plugin" }); // ["package.json", "tsconfig.json", …]
 */
export function scaffold(options: ScaffoldOptions): ScaffoldResult {
	const cwd = options.cwd ?? process.cwd();
	const target = resolve(cwd, options.dir);
	const folder = basename(target);
	// `@me/shout` as the folder names the package too, as npm's scoped names read.
	const packageName = options.name ?? (SCOPED.test(options.dir) ? options.dir : folder);
	checkPackageName(packageName, options.name === undefined ? "the folder's name" : "--name");
	const shownDir = showPath(cwd, target, options.dir);
	checkTarget(target, shownDir);
	const plugin = pluginName(packageName);
	const files = renderFiles({
		packageName,
		plugin,
		factory: factoryName(plugin),
		folder,
		coreVersion: coreVersion(),
		toolchain: TOOLCHAIN,
	});
	write(target, files);
	return { packageName, plugin, shownDir, target, files: files.map((file) => file.path) };
}

/** A scoped package name written as a folder: `@scope/name`. */
const SCOPED = /^@[^/\\]+\/[^/\\]+$/;

/** A new folder, or an empty one; anything else is `E_NOT_EMPTY`. */
function checkTarget(target: string, shown: string): void {
	let entries: string[];
	try {
		if (!statSync(target).isDirectory()) {
			throw new CliError("E_NOT_EMPTY", `${shown} exists and is not a folder; nothing written`);
		}
		entries = readdirSync(target).sort();
	} catch (error) {
		if (error instanceof CliError) throw error;
		if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
		throw writeError(shown, error);
	}
	if (entries.length === 0) return;
	const some = entries.slice(0, 3).join(", ") + (entries.length > 3 ? ", …" : "");
	throw new CliError(
		"E_NOT_EMPTY",
		`${shown} is not empty (${some}); nothing written: pick a new or empty folder`,
	);
}

function write(target: string, files: readonly { path: string; text: string }[]): void {
	// `mkdirSync` returns the first folder it had to create: that one is ours to remove.
	let created: string | undefined;
	const written: string[] = [];
	try {
		created = mkdirSync(target, { recursive: true });
		for (const file of files) {
			const path = join(target, file.path);
			mkdirSync(dirname(path), { recursive: true });
			writeFileSync(path, file.text, { flag: "wx" });
			written.push(path);
		}
	} catch (error) {
		undo(target, created, written);
		const path = (error as NodeJS.ErrnoException).path ?? target;
		throw writeError(path, error);
	}
}

/** Removes what {@link write} wrote: the folder it created, or its files in an existing one. */
function undo(target: string, created: string | undefined, written: readonly string[]): void {
	if (created) {
		rmSync(created, { recursive: true, force: true });
		return;
	}
	for (const path of written) rmSync(path, { force: true });
	for (const sub of ["src", "test"]) {
		try {
			rmdirSync(join(target, sub)); // only if empty, i.e. only if it was ours
		} catch {
			// Not there, or not empty: leave it.
		}
	}
}

function writeError(path: string, error: unknown): CliError {
	// "EACCES: permission denied, open '/x/y'": the path is already in front.
	const why = String((error as Error)?.message ?? error).replace(/, \w+ '[^']*'$/, "");
	return new CliError("E_WRITE", `cannot write ${path}: ${why}`, { cause: error });
}

/** The folder as given, tidied: absolute if it was, else `./my-plugin`, `../x` or `.`. */
function showPath(cwd: string, target: string, given: string): string {
	if (isAbsolute(given)) return target;
	const path = relative(cwd, target);
	if (path === "") return ".";
	if (isAbsolute(path) || path.startsWith("..")) return path;
	return `./${path}`;
}
