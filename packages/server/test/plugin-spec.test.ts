import { describe, expect, test } from "bun:test";
import { CliError } from "../src/errors.ts";
import { parsePluginSpec } from "../src/plugin-spec.ts";

describe("parsePluginSpec: TARGET[:key=value,…]", () => {
	const parsed: [string, string, Record<string, string> | undefined][] = [
		["delay", "delay", undefined],
		["delay:ms=200,jitter=50", "delay", { ms: "200", jitter: "50" }],
		["./my-plugin:prefix=hi", "./my-plugin", { prefix: "hi" }],
		["./p.ts:greeting=a:b", "./p.ts", { greeting: "a:b" }], // a value may hold ':' and '='
		["./p.ts:eq==", "./p.ts", { eq: "=" }],
		["./p.ts:empty=", "./p.ts", { empty: "" }],
		["@acme/echokit-plugin-x:loud=true", "@acme/echokit-plugin-x", { loud: "true" }],
		["C:\\plugins\\x.ts", "C:\\plugins\\x.ts", undefined], // a drive letter is no option list
		["C:\\plugins\\x.ts:ms=1", "C:\\plugins\\x.ts", { ms: "1" }],
		["./a:b.ts", "./a:b.ts", undefined], // a ':' in a file name
	];
	for (const [spec, target, options] of parsed) {
		test(spec, () => {
			expect(parsePluginSpec(spec)).toEqual({ target, options });
		});
	}

	const malformed: [string, string][] = [
		["delay:", "nothing follows the ':'"],
		["delay:ms=1,,jitter=2", '"ms=1,,jitter=2" is not a list of key=value'],
		["./x.ts:=5", '"=5" is not a list of key=value'],
		["delay:ms=1,ms=2", 'option "ms" is given twice'],
		["./my-plugin:prefix", 'option "prefix" has no value'],
		["delay:ms=1,jitter", 'option "jitter" has no value'],
	];
	for (const [spec, why] of malformed) {
		test(`${spec}: E_USAGE, saying why and how to write it`, () => {
			let error: unknown;
			try {
				parsePluginSpec(spec);
			} catch (thrown) {
				error = thrown;
			}
			expect(error).toBeInstanceOf(CliError);
			expect((error as CliError).code).toBe("E_USAGE");
			expect((error as CliError).message).toBe(
				`invalid plugin options in "${spec}": ${why} (write NAME:key=value,key=value)`,
			);
		});
	}
});
