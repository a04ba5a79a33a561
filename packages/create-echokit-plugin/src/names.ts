/**
 * Names: the npm package name (checked by npm's own rules), the plugin's `name` shown in logs,
 * and the identifier of the factory function in the generated code.
 * @module
 */
import validate from "validate-npm-package-name";
import { CliError } from "./errors.ts";

/** Packages the generated package depends on: it cannot be called like one of them. */
const OWN_DEPENDENCIES = ["@echokit/core", "bun-types", "typescript"];

/**
 * Throws `E_NAME` unless npm would accept `name` for a new package, giving npm's reasons
 * (capital letters, characters that are not URL-friendly, a leading dot, …). `source` says where
 * the name came from, for the message.
 * @example
 * checkPackageName("My Plugin", "the folder's name");
 * // throws: invalid package name "My Plugin" (the folder's name): name can no longer contain capital letters; …
 */
export function checkPackageName(name: string, source: string): void {
	const result = validate(name);
	const reasons = [...(result.errors ?? []), ...(result.warnings ?? [])].map((reason) =>
		reason === URL_FRIENDLY ? `${reason} (not ${unfriendly(name)})` : reason,
	);
	if (OWN_DEPENDENCIES.includes(name))
		reasons.push("it is the name of one of its own dependencies");
	if (reasons.length === 0) return;
	const hint = source === "--name" ? "" : "; pick another folder, or give the name with --name";
	throw new CliError(
		"E_NAME",
		`invalid package name ${JSON.stringify(name)} (${source}): ${reasons.join("; ")}${hint}`,
	);
}

const URL_FRIENDLY = "name can only contain URL-friendly characters";

/** The characters npm refuses, quoted, e.g. `" ", "#"`: "URL-friendly" alone is hard to act on. */
function unfriendly(name: string): string {
	const scoped = /^@[^/]+\/[^/]+$/.test(name);
	const bad = new Set(
		[...name].filter(
			(char) => encodeURIComponent(char) !== char && !(scoped && (char === "@" || char === "/")),
		),
	);
	return [...bad].map((char) => JSON.stringify(char)).join(", ");
}

/**
 * The plugin's `name` (shown in the server's logs): the package name without its scope and
 * without an `echokit-plugin-` prefix.
 * @example
 * pluginName("@me/echokit-plugin-shout"); // "shout"
 * pluginName("my-plugin"); // "my-plugin"
 */
export function pluginName(packageName: string): string {
	const unscoped = packageName.replace(/^@[^/]+\//, "");
	return unscoped.replace(/^echokit-plugin-/, "") || unscoped;
}

/**
 * A camelCase identifier for the generated factory, e.g. `myPlugin` for `my-plugin`, at most
 * 20 characters (whole words). Names that would not work as one (`new`, `2fa`) or would clash
 * with the generated code's own identifiers (`definePlugin`, `test`) get a `plugin` prefix or a
 * `Plugin` (else `Factory`) suffix; a name with no usable word gives `plugin`.
 * @example
 * factoryName("my-plugin"); // "myPlugin"
 * factoryName("delete"); // "deletePlugin"
 */
export function factoryName(plugin: string): string {
	const words = plugin.split(/[^a-zA-Z0-9]+/).filter(Boolean);
	let camel = "";
	for (const [i, word] of words.entries()) {
		const next = camel + (i === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1));
		if (next.length > MAX_IDENTIFIER) break;
		camel = next;
	}
	if (camel === "") return "plugin";
	if (/^[0-9]/.test(camel)) return `plugin${camel}`;
	// `test` → `testPlugin` is taken too (imported by the test file): then `testFactory`.
	return [camel, `${camel}Plugin`, `${camel}Factory`].find((name) => !TAKEN.has(name)) as string;
}

/**
 * Longest identifier, in whole words: the generated lines that hold it then stay within the
 * formatter's 100 columns for any name.
 */
const MAX_IDENTIFIER = 20;

/** Reserved words, restricted names, and the identifiers the templates import or declare. */
const TAKEN = new Set(
	[
		"await break case catch class const continue debugger default delete do else enum export",
		"extends false finally for function if implements import in instanceof interface let new",
		"null package private protected public return static super switch this throw true try",
		"typeof var void while with yield arguments eval undefined",
		// what the generated src/index.ts and test/index.test.ts import or declare
		"checkOptions definePlugin OptionsInput Plugin NAME OPTIONS Options expect test testPlugin",
		"options prefix message t",
	].flatMap((line) => line.split(" ")),
);
