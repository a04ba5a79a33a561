/**
 * The text of a `--plugin` value (or a string in a config file's `plugins`):
 * `TARGET[:KEY=VALUE,KEY=VALUE…]`, in the style of socat's addresses (`TCP-LISTEN:8888,fork`).
 *
 * - TARGET is a builtin name, a file path or a package name (see load-plugins.ts).
 * - The options follow the first `:` after which only `key=value` pairs come, separated by
 *   commas (a bare `key` is an error: there is no value to guess). Values are strings, passed
 *   as they are to the plugin's factory, which checks and converts them (`checkOptions` in
 *   @echokit/core). A value may hold `:` and `=`, not `,`; for such values use the config file.
 * - So a path with a `:` in it still works (`C:\plugins\x.ts`, `./a:b.ts`) as long as what follows
 *   the colon is not an option list.
 */
import { CliError } from "./errors.ts";

/** A `--plugin` value, split. */
export interface PluginSpec {
	/** The builtin name, path or package, as written. */
	target: string;
	/** The options, or `undefined` when none were given (the factory's defaults apply). */
	options: Record<string, string> | undefined;
}

/**
 * Splits `TARGET[:OPTIONS]`. Throws `E_USAGE` for options that are present but malformed: an
 * empty list (`delay:`), a stray comma (`delay:ms=1,`), a key without a value (`delay:ms`), a
 * key given twice.
 * @example
 * parsePluginSpec("delay:ms=200,jitter=50"); // { target: "delay", options: { ms: "200", jitter: "50" } }
 * parsePluginSpec("./my-plugin.ts");          // { target: "./my-plugin.ts", options: undefined }
 */
export function parsePluginSpec(spec: string): PluginSpec {
	const match = SPEC.exec(spec);
	if (!match) {
		checkNotMalformed(spec);
		return { target: spec, options: undefined };
	}
	const [, target = "", list = ""] = match;
	const options: Record<string, string> = {};
	for (const pair of list.split(",")) {
		const eq = pair.indexOf("=");
		const key = eq === -1 ? pair : pair.slice(0, eq);
		// A bare key would have to guess a value; for a string option no guess is right.
		if (eq === -1) throw usage(spec, `option "${key}" has no value`);
		if (Object.hasOwn(options, key)) {
			throw usage(spec, `option "${key}" is given twice`);
		}
		options[key] = pair.slice(eq + 1);
	}
	return { target, options };
}

const KEY = "[A-Za-z_][\\w-]*";
const PAIR = `${KEY}(?:=[^,]*)?`;
/** The shortest TARGET after which `:` starts a well-formed option list running to the end. */
const SPEC = new RegExp(`^(.+?):(${PAIR}(?:,${PAIR})*)$`);

/**
 * A `:` after what is clearly a plugin — a bare or scoped name (`delay`, `@acme/x`) or a file
 * with a script extension (`./x.ts`) — that is not followed by a well-formed option list is a
 * mistake in the options, not part of a name: say so rather than "not found".
 */
function checkNotMalformed(spec: string): void {
	const colon = spec.indexOf(":");
	if (colon <= 0) return;
	const before = spec.slice(0, colon);
	const name = /^(@[\w.-]+\/)?[\w.-]+$/.test(before) && before.length > 1; // not a drive letter
	const script = /\.[cm]?[jt]sx?$/.test(before);
	if (!name && !script) return;
	const rest = spec.slice(colon + 1);
	throw usage(
		spec,
		rest === "" ? "nothing follows the ':'" : `"${rest}" is not a list of key=value`,
	);
}

function usage(spec: string, why: string): CliError {
	return new CliError(
		"E_USAGE",
		`invalid plugin options in "${spec}": ${why} (write NAME:key=value,key=value)`,
	);
}
