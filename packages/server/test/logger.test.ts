import { expect, test } from "bun:test";
import { createLogger, flushSuppressed, HINT_TAG, type LoggerOptions } from "../src/logger.ts";

function capture(options: Omit<LoggerOptions, "stdout" | "stderr">) {
	const out: string[] = [];
	const err: string[] = [];
	const logger = createLogger({
		...options,
		stdout: { write: (text: string) => out.push(text) },
		stderr: { write: (text: string) => err.push(text) },
	});
	return { logger, out, err };
}

test("plain: info as bare lines on stdout, problems prefixed on stderr", () => {
	const { logger, out, err } = capture({ level: "info", json: false });
	logger.info("Listening on 127.0.0.1:8888");
	logger.info({ message: "Data received: Hi", bytes: 2 });
	logger.warn("slow client");
	logger.error("port in use");
	logger.debug("not shown at info");
	expect(out).toEqual(["Listening on 127.0.0.1:8888\n", "Data received: Hi\n"]);
	expect(err).toEqual(["echo-server: warning: slow client\n", "echo-server: port in use\n"]);
});

test("the level is what was asked, whatever NODE_ENV says (bun test sets it to test)", () => {
	expect(process.env.NODE_ENV).toBe("test");
	const { logger, out, err } = capture({ level: "debug", json: false });
	logger.info("info");
	logger.debug("debug");
	expect(out).toEqual(["info\n"]);
	expect(err).toEqual(["debug\n"]);
	const silent = capture({ level: "silent", json: false });
	silent.logger.error("nothing");
	expect(silent.err).toEqual([]);
});

test("identical lines in a row are all printed (consola would throttle them)", () => {
	const { logger, out } = capture({ level: "info", json: false });
	for (let i = 0; i < 20; i++) logger.info("Data received: Hi");
	expect(out).toHaveLength(20);
});

test("json: one object per line with time, level, message and fields", () => {
	const { logger, out, err } = capture({ level: "info", json: true });
	logger.info({ message: "Listening on 127.0.0.1:8888", port: 8888 });
	logger.error({ message: "bad", code: "E_USAGE" });
	const line = JSON.parse(out[0] as string);
	expect(line).toMatchObject({ level: "info", message: "Listening on 127.0.0.1:8888", port: 8888 });
	expect(Number.isNaN(Date.parse(line.time))).toBe(false);
	expect(JSON.parse(err[0] as string)).toMatchObject({ level: "error", code: "E_USAGE" });
});

test("json: a field JSON cannot hold does not break the line", () => {
	const { logger, out } = capture({ level: "info", json: true });
	const cycle: Record<string, unknown> = {};
	cycle.self = cycle;
	logger.info({ message: "odd", cycle, big: 1n });
	expect(JSON.parse(out[0] as string).message).toBe("odd");
});

test("a broken stdout (EPIPE) drops lines instead of throwing", () => {
	let calls = 0;
	const logger = createLogger({
		level: "info",
		json: false,
		stdout: {
			write() {
				calls++;
				throw Object.assign(new Error("broken pipe"), { code: "EPIPE" });
			},
		},
		stderr: { write: () => true },
	});
	expect(() => logger.info("one")).not.toThrow();
	expect(() => logger.info("two")).not.toThrow();
	expect(calls).toBe(1);
});

test("a hint goes to stderr, so stdout stays the transcript scripts read", () => {
	const { logger, out, err } = capture({ level: "info", json: false });
	logger.info("Listening on 127.0.0.1:8888");
	logger.withTag(HINT_TAG).info("Talk to it: bunx echo-client --port 8888");
	expect(out).toEqual(["Listening on 127.0.0.1:8888\n"]);
	expect(err).toEqual(["Talk to it: bunx echo-client --port 8888\n"]);
});

test("fields (a worker's number and pid) are added to every JSON line", () => {
	const { logger, out } = capture({ level: "info", json: true, fields: { worker: 2, pid: 42 } });
	logger.info({ message: "Connected to 127.0.0.1:5", remote: "127.0.0.1:5" });
	logger.info("plain");
	const [first, second] = out.map((line) => JSON.parse(line));
	expect(first).toMatchObject({ message: "Connected to 127.0.0.1:5", worker: 2, pid: 42 });
	expect(second).toMatchObject({ message: "plain", worker: 2, pid: 42 });
});

test("warnings with an event are limited by kind; flushSuppressed prints the count left out", () => {
	const { logger, err } = capture({ level: "info", json: false });
	for (let i = 0; i < 25; i++) logger.warn({ message: `bad header ${i}`, event: "proxy_header" });
	logger.warn({ message: "full", event: "max_connections" });
	for (let i = 0; i < 3; i++) logger.warn("no event: never limited");
	expect(err.filter((line) => line.includes("bad header"))).toHaveLength(10);
	expect(err).toContain("echo-server: warning: full\n");
	expect(err.filter((line) => line.includes("never limited"))).toHaveLength(3);
	flushSuppressed(logger);
	expect(err.at(-1)).toBe(
		"echo-server: warning: 15 more proxy_header warnings suppressed in the last 10 s (at most 10 of a kind are printed per 10 s; the metrics count every one)\n",
	);
});

test("json: the summary line has the event, the plugin and the suppressed count as fields", () => {
	const { logger, err } = capture({ level: "info", json: true, fields: { worker: 2, pid: 7 } });
	for (let i = 0; i < 12; i++)
		logger.error({ message: `boom ${i}`, event: "plugin_error", plugin: "boom" });
	logger.error({ message: "other plugin", event: "plugin_error", plugin: "other" });
	flushSuppressed(logger);
	expect(err).toHaveLength(12);
	expect(JSON.parse(err.at(-1) as string)).toMatchObject({
		level: "error",
		message: expect.stringContaining('2 more plugin_error (plugin "boom") errors suppressed'),
		event: "plugin_error",
		plugin: "boom",
		suppressed: 2,
		windowSeconds: 10,
		worker: 2,
		pid: 7,
	});
});

test("a worker's plain lines about a connection or event start with [worker N]; its others do not", () => {
	const { logger, out, err } = capture({
		level: "info",
		json: false,
		fields: { worker: 2, pid: 7 },
	});
	logger.info({ message: "Connected to 127.0.0.1:5000", connection: 1 });
	logger.warn({ message: "closing connection #1", event: "idle_timeout", connection: 1 });
	logger.error("plugin file not found (E_PLUGIN_NOT_FOUND)");
	expect(out).toEqual(["[worker 2] Connected to 127.0.0.1:5000\n"]);
	expect(err).toEqual([
		"[worker 2] echo-server: warning: closing connection #1\n",
		"echo-server: plugin file not found (E_PLUGIN_NOT_FOUND)\n",
	]);
});
