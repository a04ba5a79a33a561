/**
 * Packing a workspace package as the registry will receive it (`bun pm pack`, which rewrites
 * `workspace:` ranges to the versions in the workspace), and reading the tarball back: its file
 * list and its `package.json`, so what is checked is exactly what is published.
 */
import { readdirSync } from "node:fs";
import type { Manifest, WorkspacePackage } from "./workspace.ts";

/** A packed package: the tarball, the files in it (without `package/`) and its manifest. */
export interface Packed {
	tarball: string;
	files: string[];
	manifest: Manifest;
}

/** The manifest fields that name dependencies. */
const DEPENDENCY_FIELDS = [
	"dependencies",
	"devDependencies",
	"peerDependencies",
	"optionalDependencies",
] as const;

/**
 * Packs `pkg` into `destination` (a folder of its own: the tarball is the one file added to
 * it) and reads the tarball back. Throws with bun's or tar's output on failure.
 * @example
 * const { files, manifest } = await pack(pkg, mkdtempSync(join(tmpdir(), "pack-")));
 */
export async function pack(pkg: WorkspacePackage, destination: string): Promise<Packed> {
	const before = new Set(readdirSync(destination));
	await run(["bun", "pm", "pack", "--quiet", "--destination", destination], pkg.dir);
	const added = readdirSync(destination).filter((f) => f.endsWith(".tgz") && !before.has(f));
	if (added.length !== 1)
		throw new Error(`bun pm pack in ${pkg.dir} made ${added.length} tarballs`);
	const tarball = `${destination}/${added[0]}`;
	const list = await run(["tar", "-tzf", tarball], destination);
	const files = list
		.split("\n")
		.filter((line) => line !== "" && !line.endsWith("/"))
		.map((line) => line.replace(/^package\//, ""))
		.sort();
	const json = await run(["tar", "-xzOf", tarball, "package/package.json"], destination);
	return { tarball, files, manifest: JSON.parse(json) as Manifest };
}

/**
 * Every dependency in `manifest` whose range still uses the `workspace:` protocol, as
 * `field: name@range` (empty when it is publishable): a registry cannot resolve those, so a
 * package published with one would not install.
 * @example
 * workspaceRanges({ name: "x", version: "1.0.0", dependencies: { a: "workspace:*" } });
 * // ["dependencies: a@workspace:*"]
 */
export function workspaceRanges(manifest: Manifest): string[] {
	return DEPENDENCY_FIELDS.flatMap((field) =>
		Object.entries((manifest[field] ?? {}) as Record<string, string>)
			.filter(([, range]) => range.startsWith("workspace:"))
			.map(([name, range]) => `${field}: ${name}@${range}`),
	);
}

/** Runs `command` in `cwd`; resolves with its stdout, or throws with its output. */
export async function run(
	command: string[],
	cwd: string,
	env: Record<string, string | undefined> = process.env,
): Promise<string> {
	const proc = Bun.spawn(command, { cwd, env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
	const [out, err, code] = await Promise.all([
		new Response(proc.stdout).text(),
		new Response(proc.stderr).text(),
		proc.exited,
	]);
	if (code !== 0) throw new Error(`${command.join(" ")} (in ${cwd}) exited ${code}:\n${out}${err}`);
	return out;
}
