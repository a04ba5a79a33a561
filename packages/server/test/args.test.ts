import { describe, expect, test } from "bun:test";
import { parseFlags } from "../src/args.ts";
import { CliError } from "../src/errors.ts";

function usageError(args: string[]): string {
	try {
		parseFlags(args);
	} catch (error) {
		expect(error).toBeInstanceOf(CliError);
		expect((error as CliError).exitCode).toBe(2);
		return (error as CliError).message;
	}
	throw new Error(`no error for ${args.join(" ")}`);
}

describe("parseFlags", () => {
	test("nothing given: nothing set, so the config file and defaults decide", () => {
		expect(parseFlags([])).toEqual({});
	});

	test("--flag value and --flag=value, numbers parsed", () => {
		expect(
			parseFlags(["--host", "0.0.0.0", "--port=0", "--framing", "lines", "--max-line-bytes=4096"]),
		).toEqual({ host: "0.0.0.0", port: 0, framing: "lines", maxLineBytes: 4096 });
	});

	test("every --plugin is kept, in order (citty would keep only the last)", () => {
		const flags = parseFlags(["--plugin", "uppercase", "--plugin=./a.ts", "--plugin", "pkg"]);
		expect(flags.plugins).toEqual(["uppercase", "./a.ts", "pkg"]);
	});

	test("booleans: --quiet, --quiet=false, --no-json", () => {
		expect(parseFlags(["--quiet", "--json"])).toEqual({ quiet: true, json: true });
		expect(parseFlags(["--quiet=false", "--no-json"])).toEqual({ quiet: false, json: false });
	});

	test("a repeated single-valued flag: the last wins", () => {
		expect(parseFlags(["--port", "1", "--port", "2"]).port).toBe(2);
	});

	test("unknown flags are rejected by name, with a guess", () => {
		expect(usageError(["--prot", "9000"])).toBe(
			'unknown flag "--prot" (did you mean --port?); see --help',
		);
		expect(usageError(["--frobnicate"])).toBe('unknown flag "--frobnicate"; see --help');
		expect(usageError(["-p", "1"])).toContain('unknown flag "-p"');
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
