/**
 * `echo-client` on a real pseudo-terminal (Bun.spawn's `terminal` option, a PTY as a user's
 * terminal gives): the lab's dialogue, Ctrl-D, Ctrl-C, a server that replies nothing or late,
 * and a server that goes away. Waits are on output, never on time.
 */
import { afterEach, expect, test } from "bun:test";
import { resolve } from "node:path";
import {
	definePlugin,
	type EchoServer,
	NO_REPLY,
	type ServerOptions,
	startServer,
} from "../packages/core/src/index.ts";

const repoRoot = resolve(import.meta.dir, "..");
const PROMPT = "Enter message to send: ";
const CTRL_C = "\x03";
const CTRL_D = "\x04";

const servers: EchoServer[] = [];
const sessions: TerminalSession[] = [];
afterEach(async () => {
	for (const session of sessions.splice(0)) session.dispose();
	await Promise.all(servers.splice(0).map((server) => server.stop({ timeoutMs: 100 })));
});

async function serve(options: ServerOptions = {}): Promise<EchoServer> {
	const server = await startServer({ ...options, port: 0 });
	servers.push(server);
	return server;
}

/** echo-client running on a PTY; `screen` is everything it printed, ANSI sequences removed. */
class TerminalSession {
	private raw = "";
	private readonly decoder = new TextDecoder();
	readonly proc: Bun.Subprocess;

	constructor(args: string[]) {
		this.proc = Bun.spawn(["bun", "packages/client/src/bin.ts", ...args], {
			cwd: repoRoot,
			terminal: {
				cols: 120,
				rows: 40,
				data: (_terminal, bytes) => {
					this.raw += this.decoder.decode(bytes, { stream: true });
				},
			},
		});
		sessions.push(this);
	}

	get screen(): string {
		return Bun.stripANSI(this.raw).replaceAll("\r", "");
	}

	type(keys: string): void {
		this.proc.terminal!.write(keys);
	}

	/** Waits until `expected` was printed, then until a prompt follows it. */
	async promptAfter(expected: string): Promise<void> {
		await this.until(`a prompt after ${JSON.stringify(expected)}`, () => {
			const at = this.screen.lastIndexOf(expected);
			return at !== -1 && this.screen.indexOf(PROMPT, at + expected.length) !== -1;
		});
	}

	async until(what: string, done: () => boolean): Promise<void> {
		// Generous bounds so a stuck client fails with its screen instead of hanging the suite;
		// after an exit, output may still be on its way through the PTY for a moment.
		let deadline = Date.now() + 15_000;
		for (let exited = false; !done(); await Bun.sleep(10)) {
			if (!exited && this.proc.exitCode !== null) {
				exited = true;
				deadline = Math.min(deadline, Date.now() + 1000);
			}
			if (Date.now() > deadline) throw new Error(`no ${what}; screen so far:\n${this.screen}`);
		}
	}

	async exitCode(): Promise<number> {
		return await this.proc.exited;
	}

	dispose(): void {
		this.proc.kill();
		this.proc.terminal?.close();
	}
}

test("the lab's dialogue: Hi, Hello, 123, then Ctrl-D exits 0", async () => {
	const server = await serve();
	const client = new TerminalSession(["--port", String(server.port)]);
	await client.until("first prompt", () => client.screen.includes(PROMPT));
	for (const message of ["Hi", "Hello", "123"]) {
		client.type(`${message}\r`);
		await client.promptAfter(`Received: ${message}`);
	}
	client.type(CTRL_D);
	expect(await client.exitCode()).toBe(0);
	const lab = ["Hi", "Hello", "123"].map((m) => `${PROMPT}${m}\nReceived: ${m}\n`).join("");
	// A reply slower than the prompt's wait is drawn over a fresh prompt: same lines on screen.
	const screen = client.screen.replaceAll(`${PROMPT}Received: `, "Received: ");
	expect(screen).toStartWith(`${lab}${PROMPT}`);
});

test("lines framing sends a newline; the reply shows without it", async () => {
	const shout = definePlugin({
		name: "shout",
		transform: (message) => message.text().toUpperCase(),
	});
	const server = await serve({ framing: "lines", plugins: [shout] });
	const client = new TerminalSession(["--port", String(server.port), "--framing", "lines"]);
	await client.until("first prompt", () => client.screen.includes(PROMPT));
	client.type("hello there\r");
	await client.promptAfter("Received: HELLO THERE\n");
	client.type(CTRL_D);
	expect(await client.exitCode()).toBe(0);
});

test("Ctrl-C leaves cleanly with exit 0", async () => {
	const server = await serve();
	const client = new TerminalSession(["--port", String(server.port)]);
	await client.until("first prompt", () => client.screen.includes(PROMPT));
	client.type("Hi\r");
	await client.promptAfter("Received: Hi");
	client.type(CTRL_C);
	expect(await client.exitCode()).toBe(0);
});

test("SIGTERM from elsewhere: exit 0, the terminal back in its normal (cooked) mode", async () => {
	const fresh = new Bun.Terminal({ cols: 120, rows: 40 });
	const cooked = fresh.localFlags;
	fresh.close();
	const server = await serve();
	const client = new TerminalSession(["--port", String(server.port)]);
	await client.until("first prompt", () => client.screen.includes(PROMPT));
	expect(client.proc.terminal!.localFlags).not.toBe(cooked); // raw while prompting
	client.proc.kill("SIGTERM");
	expect(await client.exitCode()).toBe(0);
	expect(client.proc.terminal!.localFlags).toBe(cooked);
});

test("a server that replies nothing: the prompt comes back, Ctrl-D exits 0", async () => {
	const server = await serve({
		plugins: [definePlugin({ name: "sink", transform: () => NO_REPLY })],
	});
	const client = new TerminalSession(["--port", String(server.port)]);
	await client.until("first prompt", () => client.screen.includes(PROMPT));
	client.type("Hi\r");
	await client.promptAfter(`${PROMPT}Hi\n`);
	client.type("Hello\r");
	await client.promptAfter(`${PROMPT}Hello\n`);
	client.type(CTRL_D);
	expect(await client.exitCode()).toBe(0);
	expect(client.screen).not.toContain("Received");
});

test("a late reply prints when it comes, above a fresh prompt", async () => {
	const gate = Promise.withResolvers<void>();
	const late = definePlugin({
		name: "late",
		transform: async (message) => {
			const text = message.text();
			await gate.promise;
			return `late ${text}`;
		},
	});
	const server = await serve({ plugins: [late] });
	const client = new TerminalSession(["--port", String(server.port)]);
	await client.until("first prompt", () => client.screen.includes(PROMPT));
	client.type("Hi\r");
	await client.promptAfter(`${PROMPT}Hi\n`); // not blocked by the missing reply
	gate.resolve();
	await client.promptAfter("Received: late Hi\n");
	client.type(CTRL_D);
	expect(await client.exitCode()).toBe(0);
});

test("the server going away ends the session with a line saying so, exit 0", async () => {
	const server = await serve();
	const client = new TerminalSession(["--port", String(server.port)]);
	await client.until("first prompt", () => client.screen.includes(PROMPT));
	await server.stop();
	await client.until("closing line", () => client.screen.includes("Connection closed by server."));
	expect(await client.exitCode()).toBe(0);
});
