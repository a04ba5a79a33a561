/**
 * The workspace's packages as the release sees them: every `package.json` the root's
 * `workspaces` globs find, the public ones (not `"private": true`) in dependency order.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The repository root. */
export const ROOT = resolve(import.meta.dir, "../..");

/** The fields of a `package.json` the release reads. */
export interface Manifest {
	name: string;
	version: string;
	private?: boolean;
	bin?: Record<string, string>;
	exports?: Record<string, string>;
	types?: string;
	files?: string[];
	dependencies?: Record<string, string>;
	devDependencies?: Record<string, string>;
	peerDependencies?: Record<string, string>;
	[field: string]: unknown;
}

/** One workspace package: its folder (absolute) and its manifest. */
export interface WorkspacePackage {
	dir: string;
	manifest: Manifest;
}

/** Every workspace package, sorted by folder. */
export function workspacePackages(root = ROOT): WorkspacePackage[] {
	const { workspaces } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
		workspaces: string[];
	};
	const dirs = workspaces.flatMap((pattern) => [
		...new Bun.Glob(`${pattern}/package.json`).scanSync({ cwd: root }),
	]);
	return [...new Set(dirs)].sort().map((file) => {
		const dir = join(root, file, "..");
		return { dir, manifest: JSON.parse(readFileSync(join(root, file), "utf8")) as Manifest };
	});
}

/**
 * The public packages, each after every workspace package it depends on (dependencies and
 * peerDependencies), so that a registry never holds a package whose dependency is not there
 * yet. Ties keep folder order. Throws on a dependency cycle.
 * @example
 * publishOrder().map((p) => p.manifest.name); // ["@echokit/core", "@echokit/plugin-delay", …]
 */
export function publishOrder(root = ROOT): WorkspacePackage[] {
	const all = workspacePackages(root).filter((p) => p.manifest.private !== true);
	const byName = new Map(all.map((p) => [p.manifest.name, p]));
	const ordered: WorkspacePackage[] = [];
	const state = new Map<string, "visiting" | "done">();
	const visit = (pkg: WorkspacePackage, path: string[]): void => {
		const name = pkg.manifest.name;
		if (state.get(name) === "done") return;
		if (state.get(name) === "visiting") {
			throw new Error(`dependency cycle: ${[...path, name].join(" → ")}`);
		}
		state.set(name, "visiting");
		const { dependencies = {}, peerDependencies = {} } = pkg.manifest;
		for (const dep of Object.keys({ ...dependencies, ...peerDependencies }).sort()) {
			const inner = byName.get(dep);
			if (inner) visit(inner, [...path, name]);
		}
		state.set(name, "done");
		ordered.push(pkg);
	};
	for (const pkg of all) visit(pkg, []);
	return ordered;
}
