/**
 * Child processes for the bench: start a server and wait for `Listening on HOST:PORT`, stop it
 * (SIGTERM, then SIGKILL), and read its memory from /proc.
 * @module
 */
import type { Subprocess } from "bun";

/** A server process that printed its address. */
export interface RunningServer {
	readonly pid: number;
	readonly port: number;
	/** Its Prometheus endpoint, when started with `metrics`. */
	readonly metricsUrl?: string;
	stop(): Promise<void>;
}

const ROOT = new URL("../..", import.meta.url).pathname;

/** Options of {@link spawnServer}. */
export interface SpawnOptions {
	/** Also wait for `Metrics on URL` (echo-server --metrics-port). Default false. */
	metrics?: boolean;
	/** How long to wait for the lines, in ms. Default 15,000. */
	timeoutMs?: number;
}

/**
 * Spawns `cmd` from the repository root and resolves once it prints `Listening on HOST:PORT`
 * (and `Metrics on URL`, if asked). Rejects with the process's stderr if it exits first or
 * stays silent for `timeoutMs`.
 */
export async function spawnServer(
	cmd: string[],
	{ metrics = false, timeoutMs = 15_000 }: SpawnOptions = {},
): Promise<RunningServer> {
	const proc = Bun.spawn(cmd, { cwd: ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
	const stderr = collect(proc.stderr);
	const listening = firstMatch(
		proc.stdout,
		metrics ? /Listening on (\S+):(\d+)[\s\S]*?Metrics on (\S+)/ : /Listening on (\S+):(\d+)/,
	);
	let timer: Timer | undefined;
	const failed = Promise.race([
		proc.exited.then((code) => `exited with code ${code}`),
		new Promise<string>((resolve) => {
			timer = setTimeout(() => resolve(`printed no "Listening on" in ${timeoutMs} ms`), timeoutMs);
		}),
	]);
	const outcome: RegExpExecArray | string = await Promise.race([
		listening.then((match): Promise<RegExpExecArray | string> | RegExpExecArray => match ?? failed),
		failed,
	]);
	clearTimeout(timer);
	if (typeof outcome === "string") {
		await stopProcess(proc);
		const detail = (await stderr()).trim().split("\n").slice(-3).join(" | ");
		throw new Error(`${cmd.join(" ")}: ${outcome}${detail ? `: ${detail}` : ""}`);
	}
	return {
		pid: proc.pid,
		port: Number(outcome[2]),
		metricsUrl: outcome[3],
		stop: () => stopProcess(proc),
	};
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(proc: Subprocess, graceMs = 3000): Promise<void> {
	if (proc.exitCode !== null || proc.signalCode !== null) return;
	proc.kill("SIGTERM");
	const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
	await proc.exited;
	clearTimeout(timer);
}

/** Resident memory of a process in KiB (VmRSS from /proc/PID/status). */
export async function rssKiB(pid: number): Promise<number> {
	const status = await Bun.file(`/proc/${pid}/status`).text();
	const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
	if (!match) throw new Error(`no VmRSS for pid ${pid}`);
	return Number(match[1]);
}

/** Reads a stream line by line and resolves with the first match; keeps draining after it. */
export function firstMatch(
	stream: ReadableStream<Uint8Array>,
	pattern: RegExp,
): Promise<RegExpExecArray | null> {
	return new Promise((resolve) => {
		let buffer = "";
		let found = false;
		const decoder = new TextDecoder();
		(async () => {
			for await (const chunk of stream) {
				if (found) continue;
				buffer += decoder.decode(chunk, { stream: true });
				const match = pattern.exec(buffer);
				if (match) {
					found = true;
					resolve(match);
				} else if (buffer.length > 65_536) buffer = buffer.slice(-4096);
			}
			if (!found) resolve(null);
		})().catch(() => resolve(null));
	});
}

/** Collects a stream's text; call the returned function to get it once the stream ended. */
export function collect(stream: ReadableStream<Uint8Array>): () => Promise<string> {
	const text = new Response(stream).text().catch(() => "");
	return () => text;
}
