#!/usr/bin/env bun
/**
 * `bun run release`: publish the public packages from the pending changesets.
 *
 * 1. `changeset version`: versions and changelogs from `.changeset/*.md`;
 * 2. `bun install`: the lockfile records the new versions;
 * 3. a commit of those changes (`Release: @echokit/core@0.2.0, …`), so the tags point at it;
 * 4. each public package, in dependency order: packed with `bun pm pack` (which rewrites
 *    `workspace:` ranges to the versions now in the workspace), refused if its `package.json`
 *    still holds a `workspace:` range, then `bun publish` of that very tarball — unless the
 *    registry already has that version (so a failed run can be run again);
 * 5. `changeset tag`: a git tag per published package.
 *
 *   bun run release                    all of the above, to the npm registry (your npm login)
 *   bun run release --dry-run          changes nothing: the versions changesets would make, and
 *                                      each package packed and checked, with its files and
 *                                      dependencies as the registry would get them
 *   bun run release --publish-only     step 4 only (the versions already in the package.json files)
 *   bun run release --registry URL     publish there instead (auth from your .npmrc as for npm)
 *
 * `changeset publish` is not used: the pinned @changesets/cli (2.29.x) would publish
 * `workspace:*` unchanged, and such a package does not install.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pack, run, workspaceRanges } from "./lib/pack.ts";
import { pendingVersions } from "./lib/pending-versions.ts";
import { publishOrder, ROOT, type WorkspacePackage } from "./lib/workspace.ts";

/** The command line, parsed. */
export interface ReleaseOptions {
	dryRun: boolean;
	publishOnly: boolean;
	/** The registry URL, ending in `/`. */
	registry: string;
}

const DEFAULT_REGISTRY = "https://registry.npmjs.org/";

const log = (line: string) => console.log(line);

/** Parses the flags; throws a one-line message for anything else. */
export function parseArgs(
	argv: readonly string[],
	env: Record<string, string | undefined> = process.env,
): ReleaseOptions {
	const options: ReleaseOptions = {
		dryRun: false,
		publishOnly: false,
		registry: env.NPM_CONFIG_REGISTRY ?? env.npm_config_registry ?? DEFAULT_REGISTRY,
	};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === "--dry-run") options.dryRun = true;
		else if (arg === "--publish-only") options.publishOnly = true;
		else if (arg === "--registry" && argv[i + 1]) options.registry = argv[++i] as string;
		else if (arg?.startsWith("--registry=")) options.registry = arg.slice("--registry=".length);
		else {
			throw new Error(
				`unexpected ${JSON.stringify(arg)}; usage: release [--dry-run] [--publish-only] [--registry URL]`,
			);
		}
	}
	if (!options.registry.endsWith("/")) options.registry += "/";
	return options;
}

/** Runs the release; resolves with the names@versions published (or that would be). */
export async function release(options: ReleaseOptions): Promise<string[]> {
	const { dryRun, publishOnly, registry } = options;
	if (!publishOnly) {
		if (dryRun) await showPendingVersions();
		else await versionAndCommit();
	}
	const scratch = mkdtempSync(join(tmpdir(), "echokit-release-"));
	const published: string[] = [];
	try {
		for (const pkg of publishOrder()) {
			const id = `${pkg.manifest.name}@${pkg.manifest.version}`;
			if (await onRegistry(registry, pkg)) {
				log(`${id}: already on ${registry}, skipped`);
				continue;
			}
			await publishOne(pkg, join(scratch, pkg.manifest.name.replace("/", "+")), options);
			published.push(id);
			log(`${id}: ${dryRun ? "would be published (dry run)" : "published"} to ${registry}`);
		}
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}
	if (!publishOnly && !dryRun && published.length > 0) {
		log(await run(["bunx", "changeset", "tag"], ROOT));
	}
	return published;
}

/** Packs, checks for `workspace:` ranges, and publishes (or dry-runs) the tarball. */
async function publishOne(pkg: WorkspacePackage, dir: string, options: ReleaseOptions) {
	mkdirSync(dir, { recursive: true });
	const packed = await pack(pkg, dir);
	const left = workspaceRanges(packed.manifest);
	if (left.length > 0) {
		throw new Error(
			`${pkg.manifest.name}: the packed package.json still has workspace: ranges (${left.join(", ")}); not published`,
		);
	}
	if (options.dryRun) {
		// Not `bun publish --dry-run`: it wants a login even for a dry run.
		const kib = (Bun.file(packed.tarball).size / 1024).toFixed(1);
		const deps = Object.entries(packed.manifest.dependencies ?? {}).map(([n, v]) => `${n}@${v}`);
		log(`${relative(dir, packed.tarball)}: ${packed.files.length} files, ${kib} KiB packed`);
		log(`  files: ${packed.files.join(" ")}`);
		log(`  dependencies: ${deps.join(" ") || "none"}`);
		return;
	}
	await run(["bun", "publish", packed.tarball, "--registry", options.registry], pkg.dir);
}

/** True when the registry already has this version of the package (404 = not yet). */
async function onRegistry(registry: string, pkg: WorkspacePackage): Promise<boolean> {
	const url = `${registry}${pkg.manifest.name.replace("/", "%2f")}`;
	const response = await fetch(url, { headers: { accept: "application/json" } });
	if (response.status === 404) return false;
	if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${response.statusText}`);
	const packument = (await response.json()) as { versions?: Record<string, unknown> };
	return packument.versions?.[pkg.manifest.version] !== undefined;
}

/** `--dry-run`: what `changeset version` would do (see lib/pending-versions.ts). */
async function showPendingVersions(): Promise<void> {
	const pending = await pendingVersions();
	if (pending.length === 0) log("changeset version: no pending changesets");
	for (const { name, from, to } of pending) log(`changeset version: ${name} ${from} → ${to}`);
	log("then: bun install (lockfile), a release commit; below, the packages as they are now");
}

/** Steps 1–3: versions, lockfile, commit. Refuses to start on a tree with changes. */
async function versionAndCommit(): Promise<void> {
	if ((await run(["git", "status", "--porcelain"], ROOT)).trim() !== "") {
		throw new Error("the working tree has changes: commit or stash them before a release");
	}
	log(await run(["bunx", "changeset", "version"], ROOT));
	log(await run(["bun", "install"], ROOT));
	const ids = publishOrder().map((p) => `${p.manifest.name}@${p.manifest.version}`);
	await run(["git", "add", "-A"], ROOT);
	await run(["git", "commit", "-m", `Release: ${ids.join(", ")}`], ROOT);
}

/** The command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
	try {
		await release(parseArgs(argv));
		return 0;
	} catch (error) {
		console.error(`release: ${error instanceof Error ? error.message : error}`);
		return 1;
	}
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
