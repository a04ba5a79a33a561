/**
 * Runs real commands for the tests: to the end ({@link run}), or a server in the background
 * ({@link Background}), in its own process group so `bunx` and what it starts end together.
 */
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

/** The echokit repository. */
export const ROOT = resolve(import.meta.dir, "../../..");
/** This package's command, run with `bun BIN …`. */
export const BIN = resolve(import.meta.dir, "../src/bin.ts");

/** What a finished command printed. */
export interface Ran {
	code: number;
	stdout: string;
	stderr: string;
}

/**
 * Runs `command` in `cwd` to its end; colors off, so output compares as text. `env` is added to
 * the test's environment.
 */
export async function run(
	command: string[],
	cwd: string,
	env: Record<string, string | undefined> = {},
): Promise<Ran> {
	const proc = Bun.spawn(command, {
		cwd,
		stdin: "ignore",
		stdout: "pipe",
		stderr: "pipe",
		env: { ...process.env, NO_COLOR: "1", ...env },
	});
	const [stdout, stderr, code] = await Promise.all([
		new Response(proc.stdout).text(),
		new Response(proc.stderr).text(),
		proc.exited,
	]);
	return { code, stdout, stderr };
}

/** {@link run}, failing the test with the command's output unless it exits 0. */
export async function runOk(
	command: string[],
	cwd: string,
	env: Record<string, string | undefined> = {},
): Promise<Ran> {
	const ran = await run(command, cwd, env);
	if (ran.code !== 0) {
		throw new Error(
			`${command.join(" ")} exited ${ran.code} in ${cwd}\nstdout: ${ran.stdout}\nstderr: ${ran.stderr}`,
		);
	}
	return ran;
}

/**
 * A fresh folder under the OS temp dir. With `linkNodeModules`, its `node_modules` is a link to
 * the repository's: imports and `bunx` resolve there as at the root of a clone.
 */
export function tempDir(options: { linkNodeModules?: boolean } = {}): {
	dir: string;
	remove(): void;
} {
	const dir = mkdtempSync(join(tmpdir(), "create-echokit-plugin-"));
	if (options.linkNodeModules) symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
	return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Gives up waiting for output after this long, so a broken start fails with its output. */
const WAIT_LIMIT_MS = 20_000;

/** A command left running (a server), its output collected as it arrives. */
export class Background {
	stdout = "";
	stderr = "";
	private readonly proc: Subprocess<"ignore", "pipe", "pipe">;
	private wake: () => void = () => {};

	constructor(command: string[], cwd: string) {
		this.proc = Bun.spawn(command, {
			cwd,
			stdin: "ignore",
			stdout: "pipe",
			stderr: "pipe",
			// Own process group: `bunx` and the server it starts are signalled together.
			detached: true,
			env: { ...process.env, NO_COLOR: "1" },
		});
		this.collect(this.proc.stdout, "stdout");
		this.collect(this.proc.stderr, "stderr");
		this.proc.exited.then(() => this.wake());
	}

	/** Waits for `Listening on HOST:PORT` and returns the port. */
	async listening(): Promise<number> {
		const deadline = Date.now() + WAIT_LIMIT_MS;
		for (;;) {
			const match = /Listening on [^\s"]+:(\d+)/.exec(this.stdout);
			if (match) return Number(match[1]);
			if (this.proc.exitCode !== null || Date.now() > deadline) {
				throw new Error(
					`no "Listening on" (exit ${this.proc.exitCode})\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
				);
			}
			await new Promise<void>((wake) => {
				this.wake = wake;
				setTimeout(wake, 200);
			});
		}
	}

	/** SIGTERM to the whole process group; resolves with the exit code. */
	async stop(): Promise<number> {
		this.signal("SIGTERM");
		return this.proc.exited;
	}

	/** SIGKILL to the process group, unless it already ended: for `afterEach`. */
	kill(): void {
		if (this.proc.exitCode === null && this.proc.signalCode === null) this.signal("SIGKILL");
	}

	private signal(name: "SIGTERM" | "SIGKILL"): void {
		try {
			process.kill(-this.proc.pid, name);
		} catch {
			// Gone meanwhile.
		}
	}

	private collect(stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr"): void {
		const decoder = new TextDecoder();
		(async () => {
			for await (const chunk of stream) {
				this[name] += decoder.decode(chunk, { stream: true });
				this.wake();
			}
		})();
	}
}
