/**
 * Plugin options: one declaration per option (type, default, range) that checks what a factory
 * was given and converts the strings a command line gives (`--plugin delay:ms=200` passes
 * `{ ms: "200" }`) into the declared types.
 * @module
 */
import { PluginError } from "./errors.ts";

/** A number option. From a command line, decimal digits with an optional sign and fraction. */
export interface NumberOption {
	readonly type: "number";
	/** Used when the option is not given. Without one, the value may be `undefined`. */
	readonly default?: number;
	/** Smallest value accepted, inclusive. */
	readonly min?: number;
	/** Largest value accepted, inclusive. */
	readonly max?: number;
	/** Only whole numbers. Default `false`. */
	readonly integer?: boolean;
	/** One line for docs and error messages, e.g. `"milliseconds before each reply"`. */
	readonly description?: string;
}

/** A text option; `choices` limits it to a set of words. */
export interface StringOption {
	readonly type: "string";
	readonly default?: string;
	/** The only values accepted, e.g. `["lf", "crlf"]`. */
	readonly choices?: readonly string[];
	readonly description?: string;
}

/** An on/off option. From a command line, `true` or `false`. */
export interface BooleanOption {
	readonly type: "boolean";
	readonly default?: boolean;
	readonly description?: string;
}

/** How one option is checked and converted. */
export type OptionSpec = NumberOption | StringOption | BooleanOption;

/** A plugin's options, by name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The value type an option spec declares. */
export type OptionValue<S extends OptionSpec> = S extends NumberOption
	? number
	: S extends { readonly choices: readonly (infer C)[] }
		? C
		: S extends StringOption
			? string
			: boolean;

/** What a factory may be given: the declared types, or the strings a command line gives. */
export type OptionsInput<S extends OptionSpecs> = {
	[K in keyof S]?: OptionValue<S[K]> | (S[K] extends StringOption ? never : CommandLineValue<S[K]>);
};

type CommandLineValue<S extends OptionSpec> = S extends NumberOption
	? `${number}`
	: S extends BooleanOption
		? "true" | "false"
		: never;

/** What {@link checkOptions} returns: every option typed; those without a default are optional. */
export type OptionValues<S extends OptionSpecs> = Simplify<
	{ readonly [K in Defaulted<S>]: OptionValue<S[K]> } & {
		readonly [K in Exclude<keyof S, Defaulted<S>>]?: OptionValue<S[K]>;
	}
>;

/** The names of the options that have a default. */
type Defaulted<S extends OptionSpecs> = {
	[K in keyof S]: S[K] extends { readonly default: unknown } ? K : never;
}[keyof S];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * Checks a plugin factory's options against their specs and returns them typed, with defaults
 * filled in. Strings are converted for `number` and `boolean` options, so the same factory
 * serves `echo.config.ts` (`delay({ ms: 200 })`) and the command line (`--plugin delay:ms=200`,
 * which passes `{ ms: "200" }`).
 *
 * Throws a {@link PluginError} with code `E_PLUGIN_OPTIONS`, naming the plugin and the option,
 * for an unknown option (the message lists the known ones), a value of the wrong type, or one
 * out of range or not among `choices`. `given` may be `undefined` (no options).
 * @example
 * import { checkOptions, definePlugin } from "@echokit/core";
 * const OPTIONS = { ms: { type: "number", min: 0, default: 1000 } } as const;
 * export default function delay(options: OptionsInput<typeof OPTIONS> = {}) {
 *   const { ms } = checkOptions("delay", options, OPTIONS); // ms: number
 *   return definePlugin({ name: "delay", transform: async () => { await Bun.sleep(ms); return null; } });
 * }
 */
export function checkOptions<const S extends OptionSpecs>(
	plugin: string,
	given: OptionsInput<S> | undefined,
	specs: S,
): OptionValues<S> {
	if (
		given !== undefined &&
		(typeof given !== "object" || given === null || Array.isArray(given))
	) {
		throw new PluginError("E_PLUGIN_OPTIONS", `options must be an object, got ${describe(given)}`, {
			plugin,
			hook: "options",
		});
	}
	const values: Record<string, unknown> = {};
	for (const [option, value] of Object.entries(given ?? {})) {
		const spec = Object.hasOwn(specs, option) ? specs[option] : undefined;
		if (!spec) {
			const known = Object.keys(specs);
			const takes = known.length ? `known options: ${known.join(", ")}` : "it takes no options";
			throw new PluginError("E_PLUGIN_OPTIONS", `unknown option "${option}" (${takes})`, {
				plugin,
				hook: "options",
				option,
			});
		}
		if (value === undefined) continue;
		const checked = convert(spec, value);
		if (checked === INVALID) {
			throw new PluginError(
				"E_PLUGIN_OPTIONS",
				`invalid option ${option}=${describe(value)}: expected ${expected(spec)}`,
				{ plugin, hook: "options", option },
			);
		}
		values[option] = checked;
	}
	for (const [option, spec] of Object.entries(specs)) {
		if (!(option in values) && spec.default !== undefined) values[option] = spec.default;
	}
	return values as OptionValues<S>;
}

const INVALID = Symbol("invalid");

function convert(spec: OptionSpec, value: unknown): unknown {
	switch (spec.type) {
		case "number": {
			const n = typeof value === "string" && NUMBER.test(value.trim()) ? Number(value) : value;
			if (typeof n !== "number" || !Number.isFinite(n)) return INVALID;
			if (spec.integer && !Number.isInteger(n)) return INVALID;
			if (spec.min !== undefined && n < spec.min) return INVALID;
			if (spec.max !== undefined && n > spec.max) return INVALID;
			return n;
		}
		case "boolean":
			if (typeof value === "boolean") return value;
			if (value === "true" || value === "false") return value === "true";
			return INVALID;
		case "string":
			if (typeof value !== "string") return INVALID;
			if (spec.choices && !spec.choices.includes(value)) return INVALID;
			return value;
	}
}

/** `12`, `-3`, `0.5`, `1e3`: what `Number()` reads, without hex, `Infinity` or empty strings. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** "a number from 0 to 60000", "one of lf, crlf", …: completes "expected …". */
function expected(spec: OptionSpec): string {
	const about = spec.description ? ` (${spec.description})` : "";
	switch (spec.type) {
		case "number": {
			const kind = spec.integer ? "a whole number" : "a number";
			const { min, max } = spec;
			if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}${about}`;
			if (min !== undefined) return `${kind}, ${min} or more${about}`;
			if (max !== undefined) return `${kind}, ${max} or less${about}`;
			return `${kind}${about}`;
		}
		case "boolean":
			return `true or false${about}`;
		case "string":
			return spec.choices ? `one of ${spec.choices.join(", ")}${about}` : `text${about}`;
	}
}

/** A value as an error message shows it: strings quoted, functions and objects by kind. */
export function describe(value: unknown): string {
	if (typeof value === "string") return JSON.stringify(value);
	if (typeof value === "function") return `a function${value.name ? ` (${value.name})` : ""}`;
	if (Array.isArray(value)) return "an array";
	if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
	if (typeof value === "object" && value !== null) return "an object";
	if (typeof value === "symbol") return value.toString();
	return String(value);
}
