#!/usr/bin/env bun
/**
 * `bun run build:bin`: single-file executables of `echo-server` and `echo-client`
 * (`bun build --compile`), which run with no Bun installed.
 *
 *   bun run build:bin                         this machine → dist/bin/echo-server, dist/bin/echo-client
 *   bun run build:bin --all                   every release target → dist/bin/<target>/…, SHA256SUMS
 *   bun run build:bin --target bun-linux-arm64-musl [--outdir DIR]
 *
 * A cross target's Bun runtime is fetched by `bun build` from the npm registry once
 * (`@oven/bun-<os>-<arch>`) and cached. See the root README's "Install".
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ROOT } from "./lib/workspace.ts";

/** The commands, by executable name: each is its package's `bin` entry. */
export const COMMANDS = {
	"echo-server": "packages/server/src/bin.ts",
	"echo-client": "packages/client/src/bin.ts",
} as const;

/**
 * The release targets (`bun build --compile --target`, https://bun.sh/docs/bundler/executables):
 * Linux x64/arm64 with glibc and with musl (Alpine), macOS x64/arm64, Windows x64. The x64
 * builds need a CPU with AVX2 (2013 on); Bun's `-baseline` targets would cover older ones.
 */
export const TARGETS = [
	"bun-linux-x64",
	"bun-linux-arm64",
	"bun-linux-x64-musl",
	"bun-linux-arm64-musl",
	"bun-darwin-x64",
	"bun-darwin-arm64",
	"bun-windows-x64",
] as const;

/**
 * Flags for every build: minified (smaller, starts faster), with bytecode compiled ahead
 * (starts faster; needs `--format=esm` for the top-level `await` in bin.ts).
 */
const FLAGS = ["--compile", "--minify", "--bytecode", "--format=esm"];

/** One executable made: its path and size in bytes. */
export interface Built {
	command: keyof typeof COMMANDS;
	target: string;
	path: string;
	bytes: number;
}

/**
 * Builds both commands for `target` ("host" = this machine) into `outdir`; a Windows target's
 * files end in `.exe`. Throws with bun's output when a build fails.
 * @example
 * await buildBinaries("host", "dist/bin"); // dist/bin/echo-server, dist/bin/echo-client
 */
export async function buildBinaries(target: string, into: string): Promise<Built[]> {
	const outdir = resolve(into);
	mkdirSync(outdir, { recursive: true });
	const built: Built[] = [];
	for (const [command, entry] of Object.entries(COMMANDS) as [keyof typeof COMMANDS, string][]) {
		const path = join(outdir, target.includes("windows") ? `${command}.exe` : command);
		const targetFlag = target === "host" ? [] : [`--target=${target}`];
		const proc = Bun.spawn(
			["bun", "build", ...FLAGS, ...targetFlag, join(ROOT, entry), "--outfile", path],
			// In outdir: bun build --compile writes its temporary file to the working folder.
			{ cwd: outdir, stdout: "pipe", stderr: "pipe" },
		);
		const [out, err, code] = await Promise.all([
			new Response(proc.stdout).text(),
			new Response(proc.stderr).text(),
			proc.exited,
		]);
		if (code !== 0) throw new Error(`bun build ${command} (${target}) failed:\n${out}${err}`);
		built.push({ command, target, path, bytes: Bun.file(path).size });
	}
	return built;
}

/** Writes `SHA256SUMS` (as `sha256sum` does) for `files`, with paths relative to `dir`. */
export function writeChecksums(dir: string, files: readonly string[]): string {
	const lines = files.map((file) => {
		const hash = createHash("sha256").update(readFileSync(file)).digest("hex");
		return `${hash}  ${relative(dir, file)}\n`;
	});
	const path = join(dir, "SHA256SUMS");
	writeFileSync(path, lines.join(""));
	return path;
}

/** The command line: see the module comment. Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
	let outdir = join(ROOT, "dist/bin");
	let targets: string[] = ["host"];
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === "--all") targets = [...TARGETS];
		else if (arg === "--target" && argv[i + 1]) targets = [argv[++i] as string];
		else if (arg === "--outdir" && argv[i + 1]) outdir = resolve(argv[++i] as string);
		else {
			console.error(
				`build-bin: unexpected ${JSON.stringify(arg)}; usage: build-bin [--all | --target TARGET] [--outdir DIR]`,
			);
			return 2;
		}
	}
	const all: Built[] = [];
	for (const target of targets) {
		const dir = target === "host" ? outdir : join(outdir, target);
		try {
			all.push(...(await buildBinaries(target, dir)));
		} catch (error) {
			console.error(error instanceof Error ? error.message : error);
			return 1;
		}
	}
	for (const { path, bytes } of all) {
		console.log(`${relative(process.cwd(), path)}  ${(bytes / 2 ** 20).toFixed(1)} MiB`);
	}
	if (targets.length > 1) {
		const sums = writeChecksums(
			outdir,
			all.map((b) => b.path),
		);
		console.log(relative(process.cwd(), sums));
	}
	return 0;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
