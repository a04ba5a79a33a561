/**
 * What the echokit commands (`echo-server`, `echo-client`, `create-echokit-plugin`) share about
 * talking to people and pipes: when to colour, the `--help` page, short flags, and addresses as
 * people write them (`[::1]:8888`). One module,
 * so that every command decides colour the same way and lays out help the same way. Not part of
 * the plugin API: import it as `@echokit/core/cli`.
 *
 * Why not citty's `renderUsage`: citty 0.2.2 colours whenever `NO_COLOR` is not exactly `1` and
 * neither `CI` nor `TEST` is set, whether or not stdout is a terminal, ignores `FORCE_COLOR`, and
 * pads its columns by the length of the escape codes, so stripping them leaves ragged columns.
 * @module
 */

export { bareHost, hostPort } from "./address.ts";
export { parseRanges } from "./cidr.ts";
export { listenError } from "./listen-error.ts";

/** The environment variables {@link shouldColor} reads. */
export type ColorEnv = Readonly<Record<string, string | undefined>>;

/**
 * Whether text written to `stream` may carry ANSI colour:
 * 1. `FORCE_COLOR` set and not empty: yes, unless it is `0` or `false` (then no). It wins over
 *    `NO_COLOR`, as in Node and Bun: it is the narrower request (one command, one run).
 * 2. `NO_COLOR` set and not empty: no (https://no-color.org).
 * 3. `TERM=dumb`: no.
 * 4. Otherwise exactly when the stream is a terminal: never into a pipe or a file.
 * @example
 * shouldColor(process.stdout); // false under `echo-server --help | less`
 * shouldColor({ isTTY: false }, { FORCE_COLOR: "1" }); // true
 */
export function shouldColor(stream: { readonly isTTY?: boolean }, env: ColorEnv = process.env) {
	const force = env.FORCE_COLOR;
	if (force) return force !== "0" && force !== "false";
	if (env.NO_COLOR) return false;
	if (env.TERM === "dumb") return false;
	return stream.isTTY === true;
}

/**
 * One flag or positional argument on a help page. The shape is citty's `ArgDef`, so a command's
 * citty `args` object can be passed as it is.
 */
export interface HelpArg {
	readonly type: "string" | "boolean" | "positional" | "enum";
	readonly description?: string;
	/** Shown as `--name=<valueHint>`; a string flag without one shows its name. */
	readonly valueHint?: string;
	readonly default?: unknown;
	/** Short forms, one letter each, without the dash: `p` for `-p`. */
	readonly alias?: string | readonly string[];
	readonly required?: boolean;
}

/** A whole `--help` page; see {@link formatHelp}. */
export interface HelpPage {
	/** The command as typed: `echo-server`, `echo-client bench`. */
	readonly name: string;
	readonly version: string;
	readonly description: string;
	readonly args: Readonly<Record<string, HelpArg>>;
	/** Subcommands, name → one-line description. */
	readonly commands?: Readonly<Record<string, string>>;
	/** Free text after the options (examples, exit codes). */
	readonly footer?: string;
}

/** `-h, --help` and `-v, --version`, which every echokit command takes. */
export const BUILTIN_FLAGS = {
	help: { type: "boolean", alias: "h", description: "Show this help" },
	version: { type: "boolean", alias: "v", description: "Show the version" },
} as const satisfies Record<string, HelpArg>;

/**
 * A help page: the description, a USAGE line, ARGUMENTS, OPTIONS (with `-h, --help` and
 * `-v, --version` at the end), COMMANDS, then the footer. Columns are padded on the plain text,
 * so the page lines up with and without colour, and no line ends in spaces.
 * @example
 * process.stdout.write(formatHelp({ name: "echo-server", version, description, args: ARGS }, {
 *   color: shouldColor(process.stdout),
 * }));
 */
export function formatHelp(page: HelpPage, options: { color: boolean }): string {
	const c = palette(options.color);
	const entries: [string, HelpArg][] = Object.entries({ ...page.args, ...BUILTIN_FLAGS });
	const positionals = entries.filter(([, arg]) => arg.type === "positional");
	const flags = entries.filter(([, arg]) => arg.type !== "positional");
	const usage = [
		page.name,
		...(flags.length > 0 ? ["[OPTIONS]"] : []),
		...positionals.map(([name, arg]) =>
			isRequired(arg) ? `<${upper(name)}>` : `[${upper(name)}]`,
		),
	].join(" ");
	const commands = Object.keys(page.commands ?? {});
	const usages = [usage, ...commands.map((command) => `${page.name} ${command} [OPTIONS]`)];
	const out = [c.gray(`${page.description} (${page.name} v${page.version})`), ""];
	out.push(`${c.heading("USAGE")} ${usages.map(c.cyan).join(`\n${" ".repeat(6)}`)}`, "");
	if (positionals.length > 0) {
		const rows = positionals.map(([name, arg]) => [upper(name), describe(arg, c)] as const);
		out.push(c.heading("ARGUMENTS"), "", ...columns(rows, c), "");
	}
	const shorts = flags.some(([, arg]) => aliases(arg).length > 0);
	const flagRows = flags.map(
		([name, arg]) => [flagLabel(name, arg, shorts), describe(arg, c)] as const,
	);
	out.push(c.heading("OPTIONS"), "", ...columns(flagRows, c), "");
	if (page.commands) {
		out.push(c.heading("COMMANDS"), "", ...columns(Object.entries(page.commands), c), "");
		out.push(`Use ${c.cyan(`${page.name} <COMMAND> --help`)} for the flags of a command.`, "");
	}
	if (page.footer) out.push(page.footer, "");
	return `${out.join("\n").trimEnd()}\n`;
}

/**
 * The long form of a short flag, as a command's parser walks its arguments: `-p` becomes
 * `--port` and `-p=9000` `--port=9000`, for the letters `args` declares as `alias` (and `-h`,
 * `-v` from {@link BUILTIN_FLAGS}); anything else comes back unchanged. Call it only where a
 * flag may stand, not on a flag's value (`--message -p` sends `-p`).
 * @example
 * const long = longFlag(ARGS);
 * long("-p"); // "--port"
 * long("-x"); // "-x" (left for the parser to refuse)
 */
export function longFlag(args: Readonly<Record<string, HelpArg>>): (token: string) => string {
	const names = new Map<string, string>();
	const all: Record<string, HelpArg> = { ...args, ...BUILTIN_FLAGS };
	for (const [name, arg] of Object.entries(all)) {
		for (const letter of aliases(arg)) names.set(letter, name);
	}
	return (token) => {
		const match = /^-([A-Za-z])(=.*)?$/s.exec(token);
		const name = match && names.get(match[1] as string);
		return name ? `--${name}${match[2] ?? ""}` : token;
	};
}

interface Palette {
	gray(text: string): string;
	cyan(text: string): string;
	heading(text: string): string;
}

function palette(color: boolean): Palette {
	const paint = (open: number, close: number) => (text: string) =>
		color ? `\u001b[${open}m${text}\u001b[${close}m` : text;
	const bold = paint(1, 22);
	const underline = paint(4, 24);
	return { gray: paint(90, 39), cyan: paint(36, 39), heading: (text) => underline(bold(text)) };
}

/** Two columns, the first padded on its plain text and coloured after, two spaces between. */
function columns(rows: readonly (readonly [string, string])[], c: Palette): string[] {
	const width = Math.max(...rows.map(([left]) => left.length));
	return rows.map(([left, right]) =>
		`  ${c.cyan(left)}${" ".repeat(width - left.length)}  ${right}`.trimEnd(),
	);
}

function flagLabel(name: string, arg: HelpArg, indent: boolean): string {
	const hint = arg.type === "boolean" ? "" : `=<${arg.valueHint ?? name}>`;
	const short = aliases(arg)
		.map((letter) => `-${letter}, `)
		.join("");
	return `${short || (indent ? "    " : "")}--${name}${hint}`;
}

function describe(arg: HelpArg, c: Palette): string {
	const notes = [
		arg.default !== undefined && arg.type !== "boolean" ? `(default: ${arg.default})` : "",
		arg.type === "positional" && isRequired(arg) ? "(required)" : "",
	].filter(Boolean);
	return [arg.description ?? "", ...notes.map(c.gray)].filter(Boolean).join(" ");
}

function aliases(arg: HelpArg): readonly string[] {
	return arg.alias === undefined ? [] : typeof arg.alias === "string" ? [arg.alias] : arg.alias;
}

function isRequired(arg: HelpArg): boolean {
	return arg.required !== false && arg.default === undefined;
}

function upper(name: string): string {
	return name.toUpperCase();
}
