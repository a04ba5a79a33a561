/**
 * The headless browser never outlives the tests that started it: a `bun` that launched Chromium
 * as tests/browser-page.test.ts does (fixtures/browser/chromium.ts) is killed as a test runner can
 * be (SIGKILL: no handler runs; SIGTERM: a `timeout` around the run), and then no process of that
 * browser is left: its process group (browser, zygotes, renderers, GPU) and the crash handlers it
 * started outside the group. (On SIGTERM Playwright closes the browser but leaves exiting to the
 * process: `bun test` exits through tests/fixtures/reaper.ts's handler; the fixture here does not,
 * and is killed after the check.)
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromiumPath } from "./fixtures/browser/chromium.ts";
import { release, watch } from "./fixtures/reaper.ts";

const FIXTURE = join(import.meta.dir, "fixtures/browser/launch-and-wait.ts");
/** Gives up waiting after this long: a guard against hanging, not a timing check. */
const LIMIT_MS = 30_000;

let group = 0;
let child: { pid: number; kill(signal: "SIGKILL"): void } | undefined;
let temp = "";

afterEach(() => {
	// Whatever the test saw, nothing of this browser stays behind, nor the profile and artifact
	// directories Playwright made in the child's TMPDIR (a SIGKILLed launcher cannot remove them).
	if (group) killGroup(group);
	child?.kill("SIGKILL");
	if (temp) rmSync(temp, { recursive: true, force: true });
	group = 0;
	child = undefined;
	temp = "";
});

test.each(["SIGKILL", "SIGTERM"] as const)(
	"when the process that launched Chromium gets %s, every Chromium process ends",
	async (signal) => {
		chromiumPath(); // fails here, with how to install it, when Chromium is missing
		temp = mkdtempSync(join(tmpdir(), "echokit-browser-"));
		const launcher = Bun.spawn(["bun", FIXTURE], {
			stdout: "pipe",
			stderr: "pipe",
			detached: true,
			env: { ...process.env, TMPDIR: temp },
		});
		child = launcher;
		watch(launcher.pid);
		launcher.exited.then(() => release(launcher.pid));
		const ready = await firstLine(launcher.stdout);
		const browser = Number(/^ready (\d+)$/.exec(ready)?.[1]);
		expect(browser).toBeGreaterThan(0);
		group = browser;
		watch(browser);
		const processes = browserProcesses(browser);
		// The browser and at least its zygote and crash handler.
		expect(processes.length).toBeGreaterThan(2);

		launcher.kill(signal);

		const deadline = Date.now() + LIMIT_MS;
		let left = processes.filter(alive);
		while (left.length > 0 && Date.now() < deadline) {
			await Bun.sleep(50);
			left = left.filter(alive);
		}
		expect(left.map(describe)).toEqual([]);
	},
	LIMIT_MS * 2,
);

/** The first line of a stream (the fixture's `ready PID`), or "" if it ends first. */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
	const decoder = new TextDecoder();
	let text = "";
	for await (const chunk of stream) {
		text += decoder.decode(chunk, { stream: true });
		if (text.includes("\n")) break;
	}
	return text.split("\n")[0] ?? "";
}

/** A process's fields from /proc: state and process group; undefined once it is gone. */
function stat(pid: number): { state: string; pgid: number } | undefined {
	try {
		// "pid (comm) state ppid pgrp …"; comm may hold spaces, so split after its ")".
		const text = readFileSync(`/proc/${pid}/stat`, "utf8");
		const [state = "", , pgid = "0"] = text.slice(text.lastIndexOf(")") + 2).split(" ");
		return { state, pgid: Number(pgid) };
	} catch {
		return undefined;
	}
}

/** Running, sleeping or stopped: not gone and not a zombie waiting for a reaper. */
function alive(pid: number): boolean {
	const state = stat(pid)?.state;
	return state !== undefined && state !== "Z" && state !== "X";
}

/** Every process in the browser's group, and any other whose command line names its profile. */
function browserProcesses(browser: number): number[] {
	const profile = /--user-data-dir=(\S+)/.exec(cmdline(browser))?.[1];
	expect(profile).toBeDefined();
	return readdirSync("/proc")
		.filter((name) => /^\d+$/.test(name))
		.map(Number)
		.filter((pid) => stat(pid)?.pgid === browser || (profile && cmdline(pid).includes(profile)));
}

function cmdline(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
	} catch {
		return "";
	}
}

function describe(pid: number): string {
	return `${pid} ${cmdline(pid).slice(0, 120)}`;
}

function killGroup(pgid: number): void {
	try {
		process.kill(-pgid, "SIGKILL");
	} catch {
		// Gone already.
	}
}
