import { describe, expect, test } from "bun:test";
import { parseFlags } from "../src/args.ts";
import { usageMessage } from "./usage-error.ts";

function usageError(args: string[]): string {
	return usageMessage(() => parseFlags(args));
}

describe("parseFlags", () => {
	test("nothing given: nothing set, so the config file and defaults decide", () => {
		expect(parseFlags([])).toEqual({});
	});

	test("--flag value and --flag=value, numbers parsed", () => {
		expect(
			parseFlags(["--host", "0.0.0.0", "--port=0", "--framing", "lines", "--max-line-bytes=4096"]),
		).toEqual({ host: "0.0.0.0", port: 0, framing: "lines", maxMessageBytes: 4096 });
	});

	test("every --plugin is kept, in order (citty would keep only the last)", () => {
		const flags = parseFlags(["--plugin", "uppercase", "--plugin=./a.ts", "--plugin", "pkg"]);
		expect(flags.plugins).toEqual(["uppercase", "./a.ts", "pkg"]);
	});

	test("booleans: --quiet, --quiet=false, --no-json", () => {
		expect(parseFlags(["--quiet", "--json"])).toEqual({ quiet: true, json: true });
		expect(parseFlags(["--quiet=false", "--no-json"])).toEqual({ quiet: false, json: false });
	});

	test("short flags mean their long forms: -p -U -u -q -h -v", () => {
		expect(parseFlags(["-p", "9000", "-u", "-q"])).toEqual({ port: 9000, udp: true, quiet: true });
		expect(parseFlags(["-p=0"])).toEqual({ port: 0 });
		expect(parseFlags(["-U", "/tmp/e.sock"])).toEqual({ unix: "/tmp/e.sock" });
		expect(parseFlags(["-h"])).toEqual({ help: true });
		expect(parseFlags(["-v"])).toEqual({ version: true });
		// A flag's value is never read as a flag.
		expect(parseFlags(["--host", "-p"]).host).toBe("-p");
		expect(usageError(["-p", "70000"])).toContain('invalid --port "70000"');
	});

	test("--host takes an IPv6 address in brackets too, as echo-client does", () => {
		expect(parseFlags(["--host", "[::1]"]).host).toBe("::1");
		expect(parseFlags(["--host=[::]"]).host).toBe("::");
		expect(parseFlags(["--host", "::1"]).host).toBe("::1");
	});

	test("--drain-timeout's error says what 0 means there (end at once), not the idle timeout's never", () => {
		expect(usageError(["--drain-timeout", "-1"])).toContain("0 = end connections at once");
		expect(usageError(["--idle-timeout", "-1"])).toContain("0 = never");
	});

	test("--shutdown-delay longer than a timer can wait is refused, not cut to 1 ms", () => {
		expect(usageError(["--shutdown-delay", "99999999999"])).toContain("from 0 to 2147483");
		expect(parseFlags(["--shutdown-delay", "2147483"]).shutdownDelay).toBe(2147483);
	});

	test("a repeated single-valued flag: the last wins", () => {
		expect(parseFlags(["--port", "1", "--port", "2"]).port).toBe(2);
	});

	test("unknown flags are rejected by name, with a guess", () => {
		expect(usageError(["--prot", "9000"])).toBe(
			'unknown flag "--prot" (did you mean --port?); see --help',
		);
		expect(usageError(["--frobnicate"])).toBe('unknown flag "--frobnicate"; see --help');
		expect(usageError(["-x", "1"])).toContain('unknown flag "-x"');
		expect(usageError(["-P", "1"])).toContain('unknown flag "-P"');
		expect(usageError(["--no-port"])).toContain('unknown flag "--no-port"');
		expect(usageError(["--constructor", "x"])).toContain('unknown flag "--constructor"');
	});

	test.each([
		[["--port", "65536"], 'invalid --port "65536": expected an integer from 0 to 65535'],
		[["--port", "-1"], 'invalid --port "-1"'],
		[["--port", "80.5"], 'invalid --port "80.5"'],
		[["--port", "0x50"], 'invalid --port "0x50"'],
		[["--port", ""], 'invalid --port ""'],
		[["--port"], "missing value for --port"],
		[["--framing", "words"], 'invalid --framing "words": expected raw or lines'],
		[["--log-level", "loud"], 'invalid --log-level "loud": expected silent, error, warn'],
		[["--max-line-bytes", "0"], 'invalid --max-line-bytes "0"'],
		[["--plugin="], 'invalid --plugin ""'],
		[["--host", " "], 'invalid --host " "'],
		[["--quiet=yes"], "invalid --quiet=yes: expected true or false"],
		[["8888"], 'unexpected argument "8888"'],
		[["--", "8888"], 'unexpected argument "8888"'],
	])("%p is a usage error", (args, message) => {
		expect(usageError(args)).toContain(message);
	});

	test("--port 0 and 65535 are the bounds", () => {
		expect(parseFlags(["--port", "0"]).port).toBe(0);
		expect(parseFlags(["--port", "65535"]).port).toBe(65535);
	});

	test("--help and --version", () => {
		expect(parseFlags(["--help"]).help).toBe(true);
		expect(parseFlags(["-h"]).help).toBe(true);
		expect(parseFlags(["--version"]).version).toBe(true);
	});
});

describe("limits, transports and workers", () => {
	test("every new flag, parsed and typed", () => {
		expect(
			parseFlags([
				"--max-connections=2",
				"--idle-timeout",
				"0.5",
				"--max-message-bytes",
				"100",
				"--high-water-mark=65536",
				"--tls-cert",
				"cert.pem",
				"--tls-key=key.pem",
				"--udp",
				"--workers",
				"auto",
			]),
		).toEqual({
			maxConnections: 2,
			idleTimeout: 0.5,
			maxMessageBytes: 100,
			highWaterMark: 65536,
			tlsCert: "cert.pem",
			tlsKey: "key.pem",
			udp: true,
			workers: "auto",
		});
		expect(parseFlags(["--unix", "/tmp/echo.sock", "--no-udp", "--workers=1"])).toEqual({
			unix: "/tmp/echo.sock",
			udp: false,
			workers: 1,
		});
	});

	test("--idle-timeout 0 means never; whole and fractional seconds", () => {
		expect(parseFlags(["--idle-timeout", "0"]).idleTimeout).toBe(0);
		expect(parseFlags(["--idle-timeout", "300"]).idleTimeout).toBe(300);
		expect(parseFlags(["--idle-timeout", "0.25"]).idleTimeout).toBe(0.25);
	});

	test("--max-line-bytes is the old name of --max-message-bytes", () => {
		expect(parseFlags(["--max-line-bytes", "64"])).toEqual({ maxMessageBytes: 64 });
	});

	test.each([
		[["--max-connections", "0"], 'invalid --max-connections "0": expected a whole number'],
		[["--max-connections", "-5"], 'invalid --max-connections "-5"'],
		[["--max-connections", "many"], 'invalid --max-connections "many"'],
		[["--idle-timeout", "-1"], 'invalid --idle-timeout "-1": expected a number of seconds'],
		[["--idle-timeout", "5m"], 'invalid --idle-timeout "5m"'],
		[["--idle-timeout", "1e3"], 'invalid --idle-timeout "1e3"'],
		[["--idle-timeout", ".5"], 'invalid --idle-timeout ".5"'],
		[["--max-message-bytes", "0"], 'invalid --max-message-bytes "0": expected a whole number'],
		[["--max-message-bytes", "1.5"], 'invalid --max-message-bytes "1.5"'],
		[["--max-line-bytes", "0"], 'invalid --max-line-bytes "0"'],
		[["--high-water-mark", "1k"], 'invalid --high-water-mark "1k"'],
		[["--high-water-mark", "0"], 'invalid --high-water-mark "0"'],
		[["--tls-cert", ""], 'invalid --tls-cert "": expected a file path'],
		[["--tls-cert", "c.pem"], "--tls-cert and --tls-key go together"],
		[["--tls-key", "k.pem"], "--tls-cert and --tls-key go together"],
		[["--unix", ""], 'invalid --unix ""'],
		[["--unix", "/s", "--udp"], "--udp needs a port: it cannot be used with --unix"],
		[["--unix", "/s", "--port", "1"], "--unix replaces --host and --port"],
		[["--unix", "/s", "--host", "::1"], "--unix replaces --host and --port"],
		[["--unix", "/s", "--workers", "2"], "--workers shares a TCP port"],
		[["--unix", "/s", "--workers", "auto"], "--workers shares a TCP port"],
		[["--udp=maybe"], "invalid --udp=maybe: expected true or false"],
		[["--workers", "0"], 'invalid --workers "0": expected a number of processes from 1 to 256'],
		[["--workers", "257"], 'invalid --workers "257"'],
		[["--workers", "two"], 'invalid --workers "two"'],
		[["--workers"], "missing value for --workers"],
	])("%p is a usage error", (args, message) => {
		expect(usageError(args)).toContain(message);
	});
});
