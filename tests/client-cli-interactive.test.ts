/**
 * `echo-client` on a real pseudo-terminal (Bun.spawn's `terminal` option, a PTY as a user's
 * terminal gives): the lab's dialogue, Ctrl-D, Ctrl-C, a server that replies nothing or late,
 * and a server that goes away. Waits are on output, never on time.
 */
import { afterEach, expect, test } from "bun:test";
import { definePlugin } from "../packages/core/src/index.ts";
import {
	CTRL_C,
	CTRL_D,
	labTranscript,
	PROMPT,
	serve,
	shout,
	sink,
	stopAll,
	TerminalSession,
} from "./fixtures/client/harness.ts";

afterEach(stopAll);

test("the lab's dialogue: Hi, Hello, 123, then Ctrl-D exits 0", async () => {
	const server = await serve();
	const client = new TerminalSession(["--port", String(server.port)]);
	expect(await client.labDialogue()).toBe(0);
	expect(client.labScreen).toStartWith(labTranscript());
});

test("lines framing sends a newline; the reply shows without it", async () => {
	const server = await serve({ framing: "lines", plugins: [shout] });
	const client = new TerminalSession(["--port", String(server.port), "--framing", "lines"]);
	await client.until("first prompt", () => client.screen.includes(PROMPT));
	client.type("hello there\r");
	await client.promptAfter("Received: HELLO THERE\n");
	client.type(CTRL_D);
	expect(await client.exitCode()).toBe(0);
});

test("lines framing: replies that end in \\r\\n (a CRLF server) show without the \\r", async () => {
	const crlf = definePlugin({
		name: "crlf",
		greet: () => "ready\r\n",
		// The server's framing adds \n after the reply: each answer line ends in \r\n.
		transform: (message) => `got ${message.text()}\r`,
	});
	const server = await serve({ framing: "lines", plugins: [crlf] });
	const client = new TerminalSession(["--port", String(server.port), "--framing", "lines"]);
	await client.until("the greeting", () => client.screen.includes("Received: ready\n"));
	client.type("hi\r");
	await client.promptAfter("Received: got hi\n");
	client.type(CTRL_D);
	expect(await client.exitCode()).toBe(0);
	expect(client.screen).not.toContain("\\r");
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
	const server = await serve({ plugins: [sink] });
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
