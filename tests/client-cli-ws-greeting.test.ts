/**
 * `echo-client --ws` against an echo-server whose plugin greets (as `--plugin hostname` does):
 * the greeting is one message more than the replies, sent as the WebSocket opens. The client
 * must print it and still wait for every reply — it counts the greetings as those that arrive
 * before the Pong of a Ping it sends first.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CTRL_D, run, stopAll, TerminalSession, text } from "./fixtures/client/harness.ts";
import { killAll } from "./fixtures/server/harness.ts";
import { serveWs, texts } from "./fixtures/ws-server.ts";

afterEach(async () => {
	await stopAll();
	killAll();
});

describe("a server that greets", () => {
	test("one-shot: the greeting, then every reply; exit 0", async () => {
		const server = await serveWs({ behaviour: "greet" });
		for (let i = 0; i < 3; i++) {
			const result = await run(["--ws", server.url, "-m", "hi", "-m", "there", "-m", "all"]);
			expect(result).toEqual({ code: 0, stdout: Buffer.from("welcomehithereall"), stderr: "" });
		}
		expect(await texts(server, 9)).toEqual(Array(3).fill(["hi", "there", "all"]).flat());
	});

	test("pipe: the greeting, then the input; with empty input, the greeting alone", async () => {
		const server = await serveWs({ behaviour: "greet" });
		const piped = await run(["--ws", server.url], new TextEncoder().encode("abc"));
		expect(piped).toEqual({ code: 0, stdout: Buffer.from("welcomeabc"), stderr: "" });
		const empty = await run(["--ws", server.url]);
		expect(empty).toEqual({ code: 0, stdout: Buffer.from("welcome"), stderr: "" });
	});

	test("with a plugin that replies nothing: the greeting is no reply (E_NO_REPLY, exit 4)", async () => {
		const server = await serveWs({
			behaviour: "greet",
			args: ["--plugin", "log-only"],
		});
		const result = await run(["--ws", server.url, "--timeout", "0.5", "-m", "a"]);
		expect(text(result.stdout)).toBe("welcome");
		expect(result.code).toBe(4);
		expect(result.stderr).toContain("(E_NO_REPLY)");
	});

	test("interactive: the greeting is printed; Ctrl-D right after a message still waits for its reply", async () => {
		const server = await serveWs({ behaviour: "greet", args: ["--plugin", "delay:ms=300"] });
		const client = new TerminalSession(["--ws", server.url]);
		await client.until("the greeting", () => client.screen.includes("Received: welcome\n"));
		client.type(`Hi\r${CTRL_D}`);
		expect(await client.exitCode()).toBe(0);
		await client.until("the reply", () => client.screen.includes("Received: Hi\n"));
		expect(client.screen).not.toContain("no reply");
	});

	test("interactive: Ctrl-D says a reply is missing though the greeting came", async () => {
		const server = await serveWs({ behaviour: "greet", args: ["--plugin", "log-only"] });
		const client = new TerminalSession(["--ws", server.url, "--timeout", "0.5"]);
		await client.until("the greeting", () => client.screen.includes("Received: welcome\n"));
		client.type("Hi\r");
		await client.prompts(2, "a second prompt");
		client.type(CTRL_D);
		expect(await client.exitCode()).toBe(0);
		expect(client.screen).toContain("(no reply to 1 of 1 messages within 0.5 s)");
	});
});
