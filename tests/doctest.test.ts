/**
 * The doc-test runner's parts (tests/fixtures/doctest): markdown fences, markers, transcripts,
 * the shell words it rewrites, output matching — and a few whole READMEs made up here, to see
 * that a doc that lies fails.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { planSteps } from "./fixtures/doctest/blocks.ts";
import { parseFences } from "./fixtures/doctest/fences.ts";
import { findInvocation, withPort } from "./fixtures/doctest/invocations.ts";
import { expectsFailure, lineMatcher, matchOutput, outputLines } from "./fixtures/doctest/match.ts";
import { ReadmeRun } from "./fixtures/doctest/runner.ts";
import { tokenize } from "./fixtures/doctest/shell-words.ts";
import { parseScript, parseTranscript } from "./fixtures/doctest/transcript.ts";

const ROOT = resolve(import.meta.dir, "..");
const fence = "```";

describe("parseFences", () => {
	test("finds blocks with their line, language and markers", () => {
		const markdown = [
			"# Title",
			"",
			`${fence}ts run`,
			"console.log(1);",
			fence,
			"",
			"~~~~console norun: needs a person",
			"$ x",
			"~~~~",
			`${fence}`,
			"plain",
			fence,
		].join("\n");
		expect(parseFences(markdown)).toEqual([
			{ line: 3, lang: "ts", meta: "run", lines: ["console.log(1);"] },
			{ line: 7, lang: "console", meta: "norun: needs a person", lines: ["$ x"] },
			{ line: 10, lang: "", meta: "", lines: ["plain"] },
		]);
	});

	test("a longer fence holds shorter ones; indentation of a list item is removed", () => {
		const markdown = [
			"````md",
			fence,
			"inner",
			fence,
			"````",
			"1. step",
			"   ```sh run",
			"   ls",
			"   ```",
		];
		const [outer, inner] = parseFences(markdown.join("\n"));
		expect(outer?.lines).toEqual([fence, "inner", fence]);
		expect(inner).toEqual({ line: 7, lang: "sh", meta: "run", lines: ["ls"] });
	});

	test("an unclosed fence runs to the end; inline triple backticks are not a fence", () => {
		expect(parseFences("```js `x` ```\n```ts\na\nb").map((f) => f.lines)).toEqual([["a", "b"]]);
	});
});

describe("planSteps", () => {
	const plan = (markdown: string) => planSteps(parseFences(markdown), "README.md");

	test("markers become steps; a text output block joins the run block before it", () => {
		const steps = plan(
			[
				"```ts file=my-plugins/reverse.ts",
				"export {};",
				"```",
				"```ts run",
				"console.log('hi');",
				"```",
				"```text output",
				"hi",
				"```",
				"```console run",
				"$ ls",
				"```",
				"```bash run",
				"ls",
				"```",
				"```ts norun: needs a network",
				"fetch('https://example.com');",
				"```",
				"```json",
				"{}",
				"```",
			].join("\n"),
		);
		expect(steps.map((step) => step.kind)).toEqual(["file", "script", "console", "shell", "norun"]);
		expect(steps[0]).toMatchObject({ path: "my-plugins/reverse.ts" });
		expect(steps[1]).toMatchObject({ extension: "ts", output: { line: 7, lines: ["hi"] } });
		expect(steps[4]).toMatchObject({ reason: "needs a network" });
	});

	test("a runnable language without a marker is an error naming the line", () => {
		const [step] = plan("text\n\n```sh\nrm -rf build\n```\n");
		expect(step).toMatchObject({
			kind: "invalid",
			problem: "unmarked code block at README.md:3: mark it run, file=…, or norun: reason",
		});
	});

	test("mistakes in markers are errors, not silently skipped blocks", () => {
		const problems = plan(
			[
				"```ts rnu",
				"```",
				"```ts norun",
				"```",
				"```ts file=../outside.ts",
				"```",
				"```ts file=node_modules/x.ts",
				"```",
				"```json run",
				"```",
				"```text output",
				"```",
			].join("\n"),
		).map((step) => (step.kind === "invalid" ? step.problem : step.kind));
		expect(problems).toEqual([
			expect.stringContaining('unknown marker "rnu" at README.md:1'),
			expect.stringContaining("norun needs a reason at README.md:3"),
			expect.stringContaining("must not leave the sandbox at README.md:5"),
			expect.stringContaining(
				"must not write into node_modules (linked from the repository) at README.md:7",
			),
			expect.stringContaining('cannot run a "json" block at README.md:9'),
			expect.stringContaining("an output block at README.md:11 must come right after"),
		]);
	});
});

describe("transcripts and scripts", () => {
	test("$ lines are commands, the lines under them their output; \\ continues a command", () => {
		const lines = [
			"$ openssl req \\",
			"    -out cert.pem",
			"$ bunx echo-server",
			"Listening on 127.0.0.1:8888",
			"",
			"$ true",
			"",
		];
		expect(parseTranscript(lines, 10)).toEqual([
			{ line: 10, text: "openssl req \\\n    -out cert.pem", expected: [] },
			{ line: 12, text: "bunx echo-server", expected: ["Listening on 127.0.0.1:8888"] },
			{ line: 15, text: "true", expected: [] },
		]);
	});

	test("output before the first command is an error", () => {
		expect(() => parseTranscript(["hello", "$ ls"], 4)).toThrow(
			'line 4 shows output before any "$ " command',
		);
	});

	test("a script's commands skip blanks and comments", () => {
		expect(parseScript(["# build", "", "bun run build \\", "  --minify", "ls  # list"], 1)).toEqual(
			[
				{ line: 3, text: "bun run build \\\n  --minify", expected: [] },
				{ line: 5, text: "ls  # list", expected: [] },
			],
		);
	});
});

describe("finding echo-server and echo-client in a command", () => {
	test("the lexer keeps quotes together and drops comments", () => {
		const words = tokenize(`printf 'a | b' "c d" | bunx echo-client --port=7000 # echo-server`).map(
			(t) => t.value,
		);
		expect(words).toEqual(["printf", "a | b", "c d", "|", "bunx", "echo-client", "--port=7000"]);
	});

	const set = (command: string, tool: "echo-server" | "echo-client", port: number) =>
		withPort(command, findInvocation(command, tool)!, port);

	test("a server's port becomes 0: replaced, or inserted after the word echo-server", () => {
		expect(set("bunx echo-server --port 8443 --tls-cert c.pem", "echo-server", 0)).toEqual({
			command: "bunx echo-server --port 0 --tls-cert c.pem",
			docPort: 8443,
		});
		expect(set("bunx echo-server --port=7007 --udp", "echo-server", 0).command).toBe(
			"bunx echo-server --port=0 --udp",
		);
		expect(
			set("cd my-server && bunx echo-server   # loads ./echo.config.ts", "echo-server", 0),
		).toEqual({
			command: "cd my-server && bunx echo-server --port 0   # loads ./echo.config.ts",
			docPort: 8888,
		});
		expect(set("bunx -p @echokit/server echo-server", "echo-server", 0).command).toBe(
			"bunx -p @echokit/server echo-server --port 0",
		);
	});

	test("a client in a pipeline gets the port right after echo-client; bench after bench", () => {
		expect(
			set("head -c 8M /dev/urandom | bunx echo-client | sha256sum", "echo-client", 4242).command,
		).toBe("head -c 8M /dev/urandom | bunx echo-client --port 4242 | sha256sum");
		expect(
			set("bunx echo-client --port 9000 < photo.jpg > copy.jpg", "echo-client", 4242).command,
		).toBe("bunx echo-client --port 4242 < photo.jpg > copy.jpg");
		expect(set("bunx echo-client bench --connections 2", "echo-client", 4242).command).toBe(
			"bunx echo-client bench --port 4242 --connections 2",
		);
	});

	test("flags of another command or another program do not count", () => {
		const invocation = findInvocation(
			"bunx echo-client --message x | other --port 1 --unix s",
			"echo-client",
		);
		expect(invocation).toMatchObject({ unix: false, informational: false });
		expect(invocation?.port).toBeUndefined();
		expect(findInvocation("bunx echo-server --unix ./echo.sock", "echo-server")?.unix).toBe(true);
		// The URL names the server: no --port is added to a WebSocket client.
		expect(findInvocation("bunx echo-client --ws ws://[::1]:80/ -m x", "echo-client")?.unix).toBe(
			true,
		);
		expect(findInvocation("bunx echo-client --ws=wss://h/", "echo-client")?.unix).toBe(true);
		expect(findInvocation("bunx echo-server --ws-port 8080", "echo-server")?.unix).toBe(false);
		expect(findInvocation("bunx echo-server --help", "echo-server")?.informational).toBe(true);
		expect(findInvocation("echo 'echo-server'x", "echo-server")).toBeUndefined();
		expect(findInvocation("ls", "echo-client")).toBeUndefined();
	});
});

describe("matching output", () => {
	test("… and ... stand for any text, :PORT for any port, trailing space is ignored", () => {
		expect(lineMatcher("Connected to 127.0.0.1:50140")("Connected to 127.0.0.1:36012")).toBe(true);
		expect(lineMatcher("Connected to 127.0.0.1:50140")("Connected to 127.0.0.2:36012")).toBe(false);
		expect(
			lineMatcher('{"time":"…","port":8888}')('{"time":"2026-11-30T09:25:01Z","port":41234}  '),
		).toBe(true);
		expect(lineMatcher("took ... ms")("took 12 ms")).toBe(true);
		expect(lineMatcher("a.b (x)")("aXb (x)")).toBe(false);
		expect(lineMatcher("error:100000df:SSL")("error:100000df:SSL")).toBe(true);
		expect(lineMatcher("error:100000df:SSL")("error:12345df:SSL")).toBe(false);
	});

	test("expected lines are an ordered subsequence of each stream's lines", () => {
		const streams = [
			["Listening on 127.0.0.1:1234", "Connected to 127.0.0.1:5555", "Data received: Hi"],
			["Talk to it: …"],
		];
		expect(matchOutput(["Listening on 127.0.0.1:8888", "Data received: Hi"], streams).ok).toBe(
			true,
		);
		expect(matchOutput(["Talk to it: …", "Data received: Hi"], streams).ok).toBe(true);
		const wrongOrder = matchOutput(["Data received: Hi", "Listening on 127.0.0.1:8888"], streams);
		expect(wrongOrder).toEqual({
			ok: false,
			required: ["Data received: Hi", "Listening on 127.0.0.1:8888"],
			matched: 1,
		});
	});

	test("an elision line is skipped; a real port the test chose reads as the doc's", () => {
		expect(matchOutput(["a", "…", "b"], [["a", "x", "b"]]).ok).toBe(true);
		const ports = new Map([[41234, 8888]]);
		expect(matchOutput(["port 8888 in use"], [["port 41234 in use"]], ports).ok).toBe(true);
		expect(matchOutput(["port 8888 in use"], [["port 412345 in use"]], ports).ok).toBe(false);
	});

	test("an error code in the output means the command must fail; lines drop \\r and the last newline", () => {
		expect(expectsFailure(["echo-server: unknown flag (E_USAGE)"])).toBe(true);
		expect(expectsFailure(["E_USAGE is a code"])).toBe(false);
		expect(outputLines("a \r\nb\n")).toEqual(["a", "b"]);
	});
});

describe("a whole README", () => {
	let run: ReadmeRun | undefined;
	afterEach(() => run?.dispose());

	/** Runs every step of `markdown` and returns the failures' messages (`ok` for a pass). */
	async function outcomes(markdown: string): Promise<string[]> {
		run = new ReadmeRun(ROOT, "TEST.md", markdown);
		const results: string[] = [];
		for (const step of run.steps) {
			results.push(
				await run.run(step).then(
					() => "ok",
					(error: Error) => error.message,
				),
			);
		}
		results.push(
			await run.stopServer().then(
				() => "ok",
				(error: Error) => error.message,
			),
		);
		results.push(
			await run.typecheck().then(
				() => "ok",
				(error: Error) => error.message,
			),
		);
		return results;
	}

	test("files, snippets and transcripts that hold pass; the server gets port 0, clients its port", async () => {
		const results = await outcomes(
			[
				"```ts file=lib/greet.ts",
				'export const greet = (name: string): string => "hi " + name;',
				"```",
				"```ts run",
				'import { greet } from "./lib/greet.ts";',
				'console.log(greet("doc"));',
				"```",
				"```text output",
				"hi doc",
				"```",
				"```console run",
				"$ bunx echo-server --port 7000",
				"Listening on 127.0.0.1:7000",
				"Data received: ping",
				"$ bunx echo-client --port 7000 --message ping",
				"ping",
				"$ bunx echo-server --port 7000   # taken",
				"echo-server: port 7000 on 127.0.0.1 is already in use (E_ADDR_IN_USE)",
				"```",
			].join("\n"),
		);
		expect(results).toEqual(["ok", "ok", "ok", "ok", "ok"]);
	});

	test("a server the doc says fails, that listens instead, is stopped at once", async () => {
		const started = Date.now();
		const [result] = await outcomes(
			[
				"```console run",
				"$ bunx echo-server --port 7000",
				"echo-server: port 7000 on 127.0.0.1 is already in use (E_ADDR_IN_USE)",
				"```",
			].join("\n"),
		);
		expect(result).toContain("the doc shows an error code, but the command did not fail");
		expect(result).toContain("killed by the test when it started listening");
		expect(Date.now() - started).toBeLessThan(10_000);
	});

	test("a doc that lies fails, saying where and what was printed", async () => {
		const results = await outcomes(
			[
				"```ts run",
				'const n: number = "not a number";',
				"console.log(n);",
				"```",
				"```text output",
				"42",
				"```",
				"```console run",
				"$ printf 'one\\ntwo\\n'",
				"two",
				"one",
				"$ false",
				"```",
				"```sh run",
				"bunx echo-client --message Hi   # no server: refused",
				"```",
				"```console run",
				"$ bunx echo-server",
				"Listening on 127.0.0.1:8888",
				"Data received: never sent",
				"```",
			].join("\n"),
		);
		expect(results[0]).toContain(
			"TEST.md:1: its stdout is not what the output block at line 5 shows",
		);
		expect(results[1]).toContain("TEST.md:9: the output is not what the doc shows");
		expect(results[1]).toContain("✓ two\n    ✗ one");
		expect(results[2]).toContain("TEST.md:15: the command did not exit 0");
		expect(results[2]).toContain("connection refused (E_CONNECT)");
		expect(results[3]).toBe("ok");
		expect(results[4]).toContain("TEST.md:18: the server did not print what the doc shows");
		expect(results[5]).toContain("TS2322");
	});
});
