import { describe, expect, test } from "bun:test";
import { parseFraming, parsePort, parseTimeout, resolveArgs, scanArgs } from "../src/args.ts";
import { CliError } from "../src/errors.ts";

function usageError(run: () => unknown): string {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(CliError);
		expect((error as CliError).code).toBe("E_USAGE");
		expect((error as CliError).exitCode).toBe(2);
		return (error as CliError).message;
	}
	throw new Error("expected a usage error");
}

describe("scanArgs", () => {
	test("collects every --message in order, both spellings, whatever the value looks like", () => {
		const rawArgs = [
			"--message",
			"a",
			"--port",
			"1",
			"--message=b",
			"--message",
			"--port",
			"--message=",
		];
		expect(scanArgs(rawArgs).messages).toEqual(["a", "b", "--port", ""]);
	});

	test("names every unknown flag, and only those", () => {
		expect(usageError(() => scanArgs(["--prot", "9000"]))).toBe(
			"unknown option --prot (see echo-client --help)",
		);
		expect(usageError(() => scanArgs(["-p", "1", "--no-port", "--x=1"]))).toContain(
			"unknown options -p, --no-port, --x",
		);
	});

	test("refuses stray arguments and flags without a value", () => {
		expect(usageError(() => scanArgs(["hello"]))).toContain('unexpected argument "hello"');
		expect(usageError(() => scanArgs(["--", "x"]))).toContain('unexpected argument "x"');
		expect(usageError(() => scanArgs(["--port"]))).toContain("--port needs a value");
	});

	test("--help wins over errors; -h and -v are known", () => {
		expect(scanArgs(["--prot", "-h"]).help).toBe(true);
		expect(scanArgs(["-v"]).version).toBe(true);
		expect(scanArgs(["--message", "-h"])).toEqual({
			help: false,
			version: false,
			messages: ["-h"],
		});
	});
});

describe("resolveArgs", () => {
	const none = { help: false, version: false, messages: [] };

	test("defaults", () => {
		expect(resolveArgs({}, none)).toEqual({
			host: "127.0.0.1",
			port: 8888,
			framing: "raw",
			timeoutMs: 10_000,
			messages: [],
		});
	});

	test("values as citty hands them over (strings)", () => {
		const parsed = { host: "::1", port: "9000", framing: "lines", timeout: "0.25" };
		expect(resolveArgs(parsed, { ...none, messages: ["x"] })).toEqual({
			host: "::1",
			port: 9000,
			framing: "lines",
			timeoutMs: 250,
			messages: ["x"],
		});
		expect(usageError(() => resolveArgs({ host: "" }, none))).toContain("--host");
	});
});

describe("numbers and enums", () => {
	test("ports: decimal 1..65535 only", () => {
		expect(parsePort("1")).toBe(1);
		expect(parsePort("65535")).toBe(65535);
		for (const bad of ["0", "65536", "-1", "0x50", "8e3", "80.0", " 80", "", "100000"]) {
			expect(usageError(() => parsePort(bad))).toContain("invalid --port");
		}
	});

	test("timeouts: positive seconds, decimals allowed", () => {
		expect(parseTimeout("10")).toBe(10_000);
		expect(parseTimeout("0.5")).toBe(500);
		for (const bad of ["0", "0.0001", "-1", "1e3", "abc", "", "99999999"]) {
			expect(usageError(() => parseTimeout(bad))).toContain("invalid --timeout");
		}
	});

	test("framing: raw or lines", () => {
		expect(parseFraming("raw")).toBe("raw");
		expect(parseFraming("lines")).toBe("lines");
		expect(usageError(() => parseFraming("RAW"))).toContain("expected raw or lines");
	});
});
