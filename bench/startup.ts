#!/usr/bin/env bun
/**
 * Start-up time of `echo-server`: the single-file executable against `bunx echo-server` and
 * `bun packages/server/src/bin.ts`, in alternating rounds (as hyperfine would, without it):
 * the wall time of `--version`, and the time from spawn to the `Listening on` line.
 *
 *   bun run build:bin && bun bench/startup.ts [--runs 20] [--bin dist/bin/echo-server]
 */
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
	const at = args.indexOf(name);
	return at === -1 ? fallback : (args[at + 1] ?? fallback);
};
const runs = Number(option("--runs", "20"));
const bin = resolve(option("--bin", "dist/bin/echo-server"));

const commands: Record<string, string[]> = {
	executable: [bin],
	"bunx echo-server": ["bunx", "echo-server"],
	"bun src/bin.ts": ["bun", "packages/server/src/bin.ts"],
};

/** Milliseconds until `--version` exits. */
async function version(command: string[]): Promise<number> {
	const start = Bun.nanoseconds();
	const proc = Bun.spawn([...command, "--version"], { cwd: ROOT, stdout: "ignore" });
	if ((await proc.exited) !== 0) throw new Error(`${command.join(" ")} --version failed`);
	return (Bun.nanoseconds() - start) / 1e6;
}

/** Milliseconds until `Listening on` is printed; the server is then killed. */
async function listening(command: string[]): Promise<number> {
	const start = Bun.nanoseconds();
	const proc = Bun.spawn([...command, "--port", "0", "--quiet"], {
		cwd: ROOT,
		stdout: "pipe",
		detached: true,
	});
	let seen = "";
	const decoder = new TextDecoder();
	for await (const chunk of proc.stdout) {
		seen += decoder.decode(chunk, { stream: true });
		if (seen.includes("Listening on")) break;
	}
	const ms = (Bun.nanoseconds() - start) / 1e6;
	process.kill(-proc.pid, "SIGKILL");
	await proc.exited;
	if (!seen.includes("Listening on")) throw new Error(`${command.join(" ")}: no Listening on`);
	return ms;
}

const results: Record<string, { version: number[]; listening: number[] }> = {};
for (const name of Object.keys(commands)) results[name] = { version: [], listening: [] };
// One warm-up round, not counted (file cache, bunx's first lookup).
for (const command of Object.values(commands)) {
	await version(command);
	await listening(command);
}
for (let round = 0; round < runs; round++) {
	for (const [name, command] of Object.entries(commands)) {
		results[name]?.version.push(await version(command));
		results[name]?.listening.push(await listening(command));
	}
}

const stats = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
	return `median ${at(0.5).toFixed(0)} ms (min ${at(0).toFixed(0)}, p90 ${at(0.9).toFixed(0)})`;
};
console.log(`${runs} alternating rounds, ${(Bun.file(bin).size / 2 ** 20) | 0} MiB executable`);
for (const [name, r] of Object.entries(results)) {
	console.log(
		`${name.padEnd(18)} --version: ${stats(r.version)}; to Listening on: ${stats(r.listening)}`,
	);
}
