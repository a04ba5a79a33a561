/**
 * The files of a new plugin package, as text. Kept as functions rather than files on disk so
 * names are filled in by code, not by search-and-replace, and nothing in the template trips the
 * repository's own lint or typecheck. A test writes them out and runs the generated package's
 * `bun test`, `bun run typecheck` and biome on them.
 * @module
 */

/** What the files are made from. */
export interface TemplateParams {
	/** npm package name, e.g. `@me/echokit-plugin-shout`. */
	packageName: string;
	/** The plugin's `name`, shown in logs, e.g. `shout`. */
	plugin: string;
	/** Identifier of the default-exported factory, e.g. `shout`. */
	factory: string;
	/** The folder's base name, as the README's `--plugin ./FOLDER` shows it. */
	folder: string;
	/** Version of `@echokit/core` to depend on (`^` range). */
	coreVersion: string;
	/** Exact devDependency versions. */
	toolchain: { readonly "bun-types": string; readonly typescript: string };
}

/** One file to write: a path relative to the package folder, and its text. */
export interface TemplateFile {
	path: string;
	text: string;
}

/** The default `prefix`, also the README's and the generated test's expectation. */
export const DEFAULT_PREFIX = "> ";

/**
 * Every file of the new package, in the order they are written (and listed to the user).
 * @example
 * renderFiles({ packageName: "my-plugin", plugin: "my-plugin", factory: "myPlugin",
 *   folder: "my-plugin", coreVersion: "0.1.0", toolchain: { "bun-types": "1.4.5", typescript: "7.0.2" } });
 */
export function renderFiles(params: TemplateParams): TemplateFile[] {
	return [
		{ path: "package.json", text: packageJson(params) },
		{ path: "tsconfig.json", text: tsconfig() },
		{ path: "src/index.ts", text: indexTs(params) },
		{ path: "test/index.test.ts", text: testTs(params) },
		{ path: "README.md", text: readme(params) },
		{ path: ".gitignore", text: "node_modules/\n" },
	];
}

function packageJson(p: TemplateParams): string {
	const json = {
		name: p.packageName,
		version: "0.1.0",
		private: false,
		description: "An echokit plugin: replies with each message after a prefix",
		type: "module",
		keywords: ["echokit", "echokit-plugin"],
		// `main` too: a folder loaded by path (`--plugin ./my-plugin`, `import "./my-plugin"`)
		// resolves through `main`; `exports` applies only to imports by package name.
		main: "./src/index.ts",
		exports: { ".": "./src/index.ts" },
		files: ["src"],
		scripts: { test: "bun test", typecheck: "tsc --noEmit" },
		dependencies: { "@echokit/core": `^${p.coreVersion}` },
		devDependencies: {
			"bun-types": p.toolchain["bun-types"],
			typescript: p.toolchain.typescript,
		},
	};
	return `${JSON.stringify(json, null, 2)}\n`;
}

/**
 * The settings echokit's own packages use, so \`@echokit/core\`'s sources check the same way
 * here. Short arrays on one line, as biome formats them.
 */
function tsconfig(): string {
	return `{
  "compilerOptions": {
    "target": "ESNext",
    "module": "Preserve",
    "moduleResolution": "bundler",
    "lib": ["ESNext"],
    "types": ["bun-types"],
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "noImplicitOverride": true,
    "noFallthroughCasesInSwitch": true,
    "verbatimModuleSyntax": true,
    "allowImportingTsExtensions": true,
    "isolatedModules": true,
    "skipLibCheck": true,
    "noEmit": true
  },
  "include": ["src", "test"]
}
`;
}

function indexTs(p: TemplateParams): string {
	return `/**
 * ${p.packageName}: an echokit plugin that replies with each message after a prefix.
 * @module
 */
import { checkOptions, definePlugin, type OptionsInput, type Plugin } from "@echokit/core";

/** The plugin's name, as the server's logs and errors show it. */
const NAME = ${JSON.stringify(p.plugin)};

/**
 * The options, declared once. \`checkOptions\` checks what the factory is given against them,
 * from \`echo.config.ts\` or as text from the command line (\`--plugin ./${p.folder}:prefix=hi\`),
 * and fills in the defaults.
 */
const OPTIONS = {
	prefix: {
		type: "string",
		default: ${JSON.stringify(DEFAULT_PREFIX)},
		description: "text put before each reply",
	},
} as const;

/** What the factory accepts: \`{ prefix?: string }\`. */
export type Options = OptionsInput<typeof OPTIONS>;

/**
 * Replies with each message after a prefix (${JSON.stringify(DEFAULT_PREFIX)} unless \`prefix\` says otherwise).
 * Meant for \`lines\` framing, where a message is one line; in \`raw\` framing a message is
 * whatever one socket read delivered.
 *
 * Throws a \`PluginError\` (code \`E_PLUGIN_OPTIONS\`) for an unknown option or a value of the
 * wrong type; the server reports it and does not start.
 *
 * @example
 * import { startServer } from "@echokit/core";
 * import ${p.factory} from "${p.packageName}";
 * const plugins = [${p.factory}({ prefix: "you said: " })];
 * await startServer({ port: 7000, framing: "lines", plugins });
 * // a client sending "hello\\n" gets "you said: hello\\n"
 */
export default function ${p.factory}(options: Options = {}): Plugin {
	const { prefix } = checkOptions(NAME, options, OPTIONS);
	return definePlugin({
		name: NAME,
		// A string replaces the message; null would pass it on unchanged, and NO_REPLY (from
		// @echokit/core) would send nothing back. A transform may also be async.
		transform: (message) => prefix + message.text(),
	});
}
`;
}

function testTs(p: TemplateParams): string {
	const f = p.factory;
	const expected = JSON.stringify(`${DEFAULT_PREFIX}hello\n${DEFAULT_PREFIX}world\n`);
	return `import { expect, test } from "bun:test";
import { testPlugin } from "@echokit/core/testing";
import ${f} from "../src/index.ts";

test("replies with each line after the default prefix", async () => {
	const t = testPlugin(${f}(), { framing: "lines" });
	await t.send("hello\\nworld\\n");
	expect(t.text).toBe(${expected});
});

test("the prefix option sets what goes before each reply", async () => {
	const t = testPlugin(${f}({ prefix: "you said: " }), { framing: "lines" });
	await t.send("hello\\n");
	expect(t.text).toBe("you said: hello\\n");
});

test("an unknown option is refused, by name", () => {
	// @ts-expect-error: prefx is not an option of this plugin
	expect(() => ${f}({ prefx: "oops" })).toThrow(/unknown option "prefx"/);
});
`;
}

function readme(p: TemplateParams): string {
	const dir = `./${p.folder}`;
	const prefix = JSON.stringify(DEFAULT_PREFIX);
	return `# ${p.packageName}

An echokit plugin: \`echo-server\` replies with each message after a prefix (\`${DEFAULT_PREFIX}\` by
default). Its name in the server's logs: \`${p.plugin}\`.

## Try it

From the folder that holds \`${p.folder}\`: the echokit repository, or a project that has the
commands installed (\`bun add -d @echokit/server @echokit/client\`; without them, \`bunx\` would
fetch unrelated packages called \`echo-server\` and \`echo-client\` from the registry):

\`\`\`sh
bunx echo-server --framing lines --plugin ${dir}
\`\`\`

and in a second terminal:

\`\`\`sh
bunx echo-client --framing lines --message hello   # prints: ${DEFAULT_PREFIX}hello
\`\`\`

Options follow a \`:\` after the path, as \`name=value\` pairs separated by commas (a value
cannot hold a comma; quote spaces for the shell):

\`\`\`sh
bunx echo-server --framing lines --plugin "${dir}:prefix=[bot] "
\`\`\`

Once the package is published and installed (\`bun add ${p.packageName}\`), load it by name:

\`\`\`sh
bunx echo-server --framing lines --plugin ${p.packageName}
\`\`\`

Or from \`echo.config.ts\` in that project (command-line flags override it):

\`\`\`ts
import { defineConfig } from "@echokit/server";
import uppercase from "@echokit/plugin-uppercase";
import ${p.factory} from "${p.packageName}"; // or "${dir}" before it is published

export default defineConfig({
	framing: "lines",
	plugins: [uppercase(), ${p.factory}({ prefix: "[bot] " })],
});
\`\`\`

\`@echokit/plugin-uppercase\` comes with \`@echokit/server\`, but add it to your own
\`package.json\` before you import it (\`bun add @echokit/plugin-uppercase\`): a dependency of a
dependency is importable only by accident of how the installer lays out \`node_modules\`.

## Options

| option   | type   | default |                            |
| -------- | ------ | ------- | -------------------------- |
| \`prefix\` | string | \`${prefix}\`  | text put before each reply |

## Develop

\`\`\`sh
bun install         # not needed inside the echokit repository
bun test            # test/index.test.ts: the plugin on a fake connection, no sockets
bun run typecheck   # tsc, strict
\`\`\`

\`src/index.ts\` is the whole plugin: \`OPTIONS\` declares the options, \`checkOptions\` checks
and types them, and \`transform\` turns each message into its reply. A transform may return a
string or bytes (the reply), \`null\` (the message unchanged) or \`NO_REPLY\` (nothing), and may
be async; other hooks (\`open\`, \`greet\`, \`close\`, \`start\`, \`stop\`) are described in the echokit
README, section "Writing a plugin".
`;
}
