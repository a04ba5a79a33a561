import { expect, test } from "bun:test";
import { createLogger, HINT_TAG, type LoggerOptions } from "../src/logger.ts";

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
