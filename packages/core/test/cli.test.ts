/**
 * `@echokit/core/cli`: the colour rule every echokit command follows, the help page's layout
 * with and without colour, and short flags. The commands themselves are tested as processes in
 * tests/cli-output.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { formatHelp, type HelpPage, longFlag, shouldColor } from "../src/cli.ts";

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe("shouldColor", () => {
	test.each([
		[tty, {}, true],
		[pipe, {}, false],
		[{}, {}, false],
		[tty, { NO_COLOR: "1" }, false],
		[tty, { NO_COLOR: "0" }, false], // any non-empty value (no-color.org)
		[tty, { NO_COLOR: "" }, true], // empty: as if unset
		[tty, { TERM: "dumb" }, false],
		[pipe, { FORCE_COLOR: "1" }, true],
		[pipe, { FORCE_COLOR: "3" }, true],
		[pipe, { FORCE_COLOR: "true" }, true],
		[pipe, { FORCE_COLOR: "1", NO_COLOR: "1" }, true], // the narrower request wins, as in Node and Bun
		[pipe, { FORCE_COLOR: "1", TERM: "dumb" }, true],
		[tty, { FORCE_COLOR: "0" }, false],
		[tty, { FORCE_COLOR: "false" }, false],
		[pipe, { FORCE_COLOR: "" }, false], // empty: as if unset
	])("%j with %j: %p", (stream, env, expected) => {
		expect(shouldColor(stream, env)).toBe(expected);
	});
});

const page: HelpPage = {
	name: "demo",
	version: "1.2.3",
	description: "A demo command",
	args: {
		dir: { type: "positional", required: true, description: "Where" },
		host: { type: "string", default: "127.0.0.1", description: "Address" },
		port: { type: "string", alias: "p", valueHint: "1-65535", description: "Port" },
		quiet: { type: "boolean", alias: "q", description: "Fewer lines" },
	},
	commands: { bench: "Load-test it" },
	footer: "EXIT CODES\n\n  0  fine",
};

describe("formatHelp", () => {
	test("plain: sections, short flags before long ones, columns lined up, no trailing spaces", () => {
		expect(formatHelp(page, { color: false })).toBe(
			[
				"A demo command (demo v1.2.3)",
				"",
				"USAGE demo [OPTIONS] <DIR>",
				"      demo bench [OPTIONS]",
				"",
				"ARGUMENTS",
				"",
				"  DIR  Where (required)",
				"",
				"OPTIONS",
				"",
				"      --host=<host>     Address (default: 127.0.0.1)",
				"  -p, --port=<1-65535>  Port",
				"  -q, --quiet           Fewer lines",
				"  -h, --help            Show this help",
				"  -v, --version         Show the version",
				"",
				"COMMANDS",
				"",
				"  bench  Load-test it",
				"",
				"Use demo <COMMAND> --help for the flags of a command.",
				"",
				"EXIT CODES",
				"",
				"  0  fine",
				"",
			].join("\n"),
		);
	});

	test("coloured: the same text once the codes are removed", () => {
		const coloured = formatHelp(page, { color: true });
		expect(coloured).toContain("\u001b[36m-p, --port=<1-65535>\u001b[39m");
		expect(Bun.stripANSI(coloured)).toBe(formatHelp(page, { color: false }));
	});
});

describe("longFlag", () => {
	test("declared letters and -h/-v become long flags, values kept; others unchanged", () => {
		const long = longFlag(page.args);
		expect(["-p", "-p=80", "-q", "-h", "-v"].map(long)).toEqual([
			"--port",
			"--port=80",
			"--quiet",
			"--help",
			"--version",
		]);
		expect(["-x", "-pq", "-", "--", "--port", "p", "-P"].map(long)).toEqual([
			"-x",
			"-pq",
			"-",
			"--",
			"--port",
			"p",
			"-P",
		]);
	});
});
