import { describe, expect, test } from "bun:test";
import { parseArgs } from "citty";
import {
	clientArgs,
	parseFraming,
	parsePort,
	parseTimeout,
	resolveArgs,
	scanArgs,
} from "../src/args.ts";
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
			'unknown flag "--prot" (did you mean --port?) (see echo-client --help)',
		);
		expect(usageError(() => scanArgs(["-x", "1", "--no-port", "--x=1"]))).toContain(
			'unknown flags "-x", "--no-port", "--x"',
		);
	});

	test("refuses stray arguments and flags without a value", () => {
		expect(usageError(() => scanArgs(["hello"]))).toContain('unexpected argument "hello"');
		expect(usageError(() => scanArgs(["--", "x"]))).toContain('unexpected argument "x"');
		expect(usageError(() => scanArgs(["--port"]))).toContain("missing value for --port");
	});

	test("--help wins over errors; -h and -v are known", () => {
		expect(scanArgs(["--prot", "-h"]).help).toBe(true);
		expect(scanArgs(["-v"]).version).toBe(true);
		expect(scanArgs(["--message", "-h"])).toEqual({
			help: false,
			version: false,
			messages: ["-h"],
			given: ["message"],
			args: [],
		});
	});

	test("short flags -p -m -u -U are their long forms; a value is never read as one", () => {
		expect(scanArgs(["-p", "9000", "-m", "a", "-u", "-m=b"])).toEqual({
			help: false,
			version: false,
			messages: ["a", "b"],
			given: ["port", "message", "udp", "message"],
			args: ["--port=9000", "--udp"],
		});
		expect(scanArgs(["-U", "/tmp/e.sock"]).args).toEqual(["--unix=/tmp/e.sock"]);
		expect(scanArgs(["--host", "-p"]).args).toEqual(["--host=-p"]);
		expect(usageError(() => scanArgs(["-x"]))).toContain('unknown flag "-x"');
		expect(usageError(() => scanArgs(["-P", "1"]))).toContain('unknown flag "-P"');
	});
});

describe("resolveArgs", () => {
	const none = { help: false, version: false, messages: [], given: [], args: [] };

	test("defaults", () => {
		expect(resolveArgs({}, none)).toEqual({
			host: "127.0.0.1",
			port: 8888,
			framing: "raw",
			timeoutMs: 10_000,
			messages: [],
			unix: undefined,
			udp: false,
			tls: null,
			ws: undefined,
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
			unix: undefined,
			udp: false,
			tls: null,
			ws: undefined,
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

/** The whole path a command line takes: our scan, citty's parse, our checks. */
function resolveLine(rawArgs: string[]) {
	const scanned = scanArgs(rawArgs);
	const parsed: Record<string, unknown> = { ...parseArgs(rawArgs, clientArgs) };
	return resolveArgs(parsed, scanned);
}

describe("transports: --tls, --ca, --insecure, --servername, --unix, --udp", () => {
	test("--tls alone, and --ca / --insecure / --servername each imply it", () => {
		expect(resolveLine(["--tls"]).tls).toEqual({
			caFile: undefined,
			insecure: false,
			serverName: undefined,
		});
		expect(resolveLine(["--ca", "ca.pem"]).tls).toEqual({
			caFile: "ca.pem",
			insecure: false,
			serverName: undefined,
		});
		expect(resolveLine(["--insecure"]).tls?.insecure).toBe(true);
		expect(resolveLine(["--servername=example.com"]).tls?.serverName).toBe("example.com");
		expect(resolveLine([]).tls).toBeNull();
	});

	test("boolean flags take no value, and citty's --no-x spelling is not accepted", () => {
		expect(usageError(() => resolveLine(["--tls=false"]))).toContain("--tls takes no value");
		expect(usageError(() => resolveLine(["--udp=1"]))).toContain("--udp takes no value");
		expect(usageError(() => resolveLine(["--no-tls"]))).toContain('unknown flag "--no-tls"');
		// A boolean flag does not swallow the next argument.
		expect(usageError(() => resolveLine(["--tls", "x"]))).toContain('unexpected argument "x"');
	});

	test("--unix: a path instead of --host/--port; not with them, nor with --udp", () => {
		const args = resolveLine(["--unix", "/tmp/echo.sock", "--message", "hi"]);
		expect(args.unix).toBe("/tmp/echo.sock");
		expect(resolveLine(["--unix", "/s", "--tls"]).tls).not.toBeNull(); // TLS over a Unix socket
		expect(usageError(() => resolveLine(["--unix", "/s", "--port", "1"]))).toContain(
			"--unix cannot be combined with --port",
		);
		expect(usageError(() => resolveLine(["--host", "h", "--unix", "/s", "--udp"]))).toContain(
			"--unix cannot be combined with --host, --udp",
		);
		expect(usageError(() => resolveLine(["--unix="]))).toContain("--unix must not be empty");
	});

	test("--udp: not with TLS flags; --timeout defaults to 2 s unless given", () => {
		expect(resolveLine(["--udp"])).toMatchObject({ udp: true, tls: null, timeoutMs: 2000 });
		expect(resolveLine(["--udp", "--timeout", "7"]).timeoutMs).toBe(7000);
		expect(resolveLine(["--timeout", "10", "--udp"]).timeoutMs).toBe(10_000);
		expect(usageError(() => resolveLine(["--udp", "--ca", "x", "--insecure"]))).toContain(
			"--insecure and --ca contradict",
		);
		expect(usageError(() => resolveLine(["--udp", "--tls", "--servername", "x"]))).toContain(
			"--udp cannot be combined with --tls, --servername",
		);
	});

	test("--udp refuses a --message too long for one datagram", () => {
		expect(resolveLine(["--udp", "--message", "x".repeat(65_507)]).messages).toHaveLength(1);
		const tooLong = ["--udp", "--framing", "lines", "--message", "x".repeat(65_507)];
		expect(usageError(() => resolveLine(tooLong))).toContain("--message 1 is 65508 bytes");
	});

	test("an empty --message is refused in raw framing over a stream, kept where it is bytes", () => {
		expect(usageError(() => resolveLine(["--message", "a", "--message="]))).toBe(
			"--message 2 is empty: in raw framing that is no bytes to send; --framing lines sends an empty line (see echo-client --help)",
		);
		expect(usageError(() => resolveLine(["--unix", "s", "-m", ""]))).toContain(
			"--message 1 is empty",
		);
		expect(resolveLine(["--framing", "lines", "--message="]).messages).toEqual([""]);
		expect(resolveLine(["--udp", "--message="]).messages).toEqual([""]);
		expect(resolveLine(["--ws", "ws://127.0.0.1:1/", "--message="]).messages).toEqual([""]);
		// Reported after the other flags' values, like every check of the messages.
		expect(usageError(() => resolveLine(["--port", "abc", "-m", ""]))).toContain("--port");
		expect(usageError(() => resolveLine(["--timeout", "0", "-m", ""]))).toContain("--timeout");
	});

	test("empty --ca and --servername are refused", () => {
		expect(usageError(() => resolveLine(["--ca="]))).toContain("--ca must not be empty");
		expect(usageError(() => resolveLine(["--servername", ""]))).toContain(
			"--servername must not be empty",
		);
	});
});
