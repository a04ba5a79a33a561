/**
 * `checkOptions`: plugin options checked and converted from one declaration, for config files
 * (typed values) and command lines (strings) alike; errors name the plugin and the option.
 */
import { describe, expect, expectTypeOf, test } from "bun:test";
import { checkOptions, type OptionsInput, PluginError } from "../src/index.ts";

const SPECS = {
	ms: { type: "number", min: 0, max: 60_000, default: 1000, description: "delay in ms" },
	count: { type: "number", integer: true, min: 1 },
	mode: { type: "string", choices: ["fixed", "random"], default: "fixed" },
	label: { type: "string" },
	loud: { type: "boolean", default: false },
} as const;

/** The error `checkOptions` throws for these options, or a failure if it throws none. */
function refusal(given: unknown): PluginError {
	try {
		checkOptions("delay", given as OptionsInput<typeof SPECS>, SPECS);
	} catch (error) {
		expect(error).toBeInstanceOf(PluginError);
		return error as PluginError;
	}
	throw new Error(`accepted ${JSON.stringify(given)}`);
}

describe("checkOptions", () => {
	test("fills defaults; options without one stay undefined", () => {
		expect(checkOptions("delay", undefined, SPECS)).toEqual({
			ms: 1000,
			mode: "fixed",
			loud: false,
		});
		expect(checkOptions("delay", {}, SPECS).count).toBeUndefined();
	});

	test("typed values from a config file pass as they are", () => {
		const values = checkOptions(
			"delay",
			{ ms: 250, count: 3, mode: "random", label: "x", loud: true },
			SPECS,
		);
		expect(values).toEqual({ ms: 250, count: 3, mode: "random", label: "x", loud: true });
	});

	test("strings from a command line are converted to the declared types", () => {
		const values = checkOptions(
			"delay",
			{ ms: "0.5", count: "7", mode: "random", label: "007", loud: "true" },
			SPECS,
		);
		expect(values).toEqual({ ms: 0.5, count: 7, mode: "random", label: "007", loud: true });
	});

	test("the result is typed from the specs", () => {
		const values = checkOptions("delay", {}, SPECS);
		expectTypeOf(values.ms).toEqualTypeOf<number>();
		expectTypeOf(values.count).toEqualTypeOf<number | undefined>();
		expectTypeOf(values.mode).toEqualTypeOf<"fixed" | "random">();
		expectTypeOf(values.label).toEqualTypeOf<string | undefined>();
		expectTypeOf(values.loud).toEqualTypeOf<boolean>();
		// Inputs: the declared types, or what a command line gives for numbers and booleans.
		expectTypeOf<{ ms: "200" }>().toMatchTypeOf<OptionsInput<typeof SPECS>>();
		expectTypeOf<{ loud: "false" }>().toMatchTypeOf<OptionsInput<typeof SPECS>>();
		// Type errors only: never called.
		const _typeErrors = () => {
			// @ts-expect-error not a number
			checkOptions("delay", { ms: "soon" }, SPECS);
			// @ts-expect-error not a choice
			checkOptions("delay", { mode: "sometimes" }, SPECS);
		};
	});

	const refused: [string, unknown, string, string | undefined][] = [
		[
			"an unknown option, listing the known ones",
			{ msec: 5 },
			'plugin "delay": unknown option "msec" (known options: ms, count, mode, label, loud)',
			"msec",
		],
		[
			"a number that is not one",
			{ ms: "soon" },
			'plugin "delay": invalid option ms="soon": expected a number from 0 to 60000 (delay in ms)',
			"ms",
		],
		[
			"a number out of range",
			{ ms: -1 },
			'plugin "delay": invalid option ms=-1: expected a number from 0 to 60000 (delay in ms)',
			"ms",
		],
		[
			"a fraction where a whole number is wanted",
			{ count: "1.5" },
			'plugin "delay": invalid option count="1.5": expected a whole number, 1 or more',
			"count",
		],
		["hex is not a number here", { count: "0x10" }, "expected a whole number", "count"],
		["an empty string is not a number", { ms: "" }, "expected a number", "ms"],
		[
			"a word outside the choices",
			{ mode: "sometimes" },
			'plugin "delay": invalid option mode="sometimes": expected one of fixed, random',
			"mode",
		],
		["a boolean that is not one", { loud: "yes" }, "expected true or false", "loud"],
		[
			"a number for a string option",
			{ label: 7 },
			"invalid option label=7: expected text",
			"label",
		],
		[
			"options that are not an object",
			"ms=5",
			'plugin "delay": options must be an object',
			undefined,
		],
	];
	for (const [what, given, message, option] of refused) {
		test(`refuses ${what}: E_PLUGIN_OPTIONS naming plugin and option`, () => {
			const error = refusal(given);
			expect(error.code).toBe("E_PLUGIN_OPTIONS");
			expect(error.plugin).toBe("delay");
			expect(error.hook).toBe("options");
			expect(error.option).toBe(option);
			expect(error.message).toContain(message);
		});
	}

	test("a plugin with no options says so", () => {
		expect(() => checkOptions("hostname", { x: "1" }, {})).toThrow(
			'plugin "hostname": unknown option "x" (it takes no options)',
		);
	});

	test("inherited names are not options", () => {
		expect(() => checkOptions("delay", { toString: "x" } as never, SPECS)).toThrow(
			/unknown option "toString"/,
		);
	});
});
