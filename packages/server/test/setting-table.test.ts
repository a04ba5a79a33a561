/**
 * The settings table (setting-table.ts) is the one place a setting is declared: every entry
 * must reach the command line, `--help`, the config file's check and the environment.
 */
import { describe, expect, test } from "bun:test";
import { formatHelp } from "@echokit/core/cli";
import { ARGS, parseFlags } from "../src/args.ts";
import { checkConfig } from "../src/config.ts";
import { readEnv } from "../src/env.ts";
import { CliError } from "../src/errors.ts";
import { SETTINGS, type SettingName, type SettingSpec } from "../src/setting-table.ts";
import { resolveSettings } from "../src/settings.ts";
import { usageMessage } from "./usage-error.ts";

const TABLE = Object.entries(SETTINGS) as [SettingName, SettingSpec][];

/**
 * A value for each setting that is not its default, as a flag or variable gives it. A new
 * setting needs one here: the tests below then carry it through every route.
 */
const SAMPLES: Record<SettingName, string> = {
	host: "::1",
	port: "7001",
	unix: "/tmp/e.sock",
	tlsCert: "c.pem",
	tlsKey: "k.pem",
	udp: "true",
	wsPort: "8080",
	plugins: "uppercase",
	framing: "lines",
	maxMessageBytes: "64",
	maxConnections: "10",
	idleTimeout: "1.5",
	handshakeTimeout: "2",
	drainTimeout: "0.5",
	proxyProtocol: "true",
	proxyFrom: "10.0.0.0/8,::1",
	proxyHeaderTimeout: "2",
	metricsPort: "9464",
	metricsHost: "::1",
	shutdownDelay: "1.5",
	highWaterMark: "4096",
	workers: "3",
	quiet: "true",
	logLevel: "debug",
	json: "true",
	config: "my.config.ts",
};

/** Settings any non-empty text is valid for: an address, a path, a plugin. */
const ANY_TEXT: SettingName[] = [
	"host",
	"metricsHost",
	"unix",
	"tlsCert",
	"tlsKey",
	"plugins",
	"config",
];

/** Settings that only make sense together in one source. */
const COMPANIONS: Partial<Record<SettingName, SettingName>> = {
	tlsCert: "tlsKey",
	tlsKey: "tlsCert",
	proxyFrom: "proxyProtocol",
};

/** What `resolveSettings` makes of the sample of `name`, where it keeps it. */
function resolvedSample(settings: ReturnType<typeof resolveSettings>, name: SettingName): unknown {
	if (name === "tlsCert") return settings.tls?.cert;
	if (name === "tlsKey") return settings.tls?.key;
	if (name === "plugins") return settings.plugins.entries;
	return (settings as Record<string, unknown>)[name];
}

function expected(name: SettingName): unknown {
	const spec: SettingSpec = SETTINGS[name];
	const value = spec.check(SAMPLES[name]);
	return spec.type === "list" ? [value] : value;
}

test("every setting has a sample here, and a flag, config key and variable of its own", () => {
	expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(SETTINGS).sort());
	const envs = TABLE.map(([, spec]) => spec.env);
	const flags = TABLE.map(([, spec]) => spec.flag);
	expect(new Set(envs).size).toBe(TABLE.length);
	expect(new Set(flags).size).toBe(TABLE.length);
	for (const env of envs) expect(env).toMatch(/^ECHO_SERVER_[A-Z_]+$/);
	// Only the config file's own path cannot be set in the config file.
	expect(TABLE.filter(([, spec]) => spec.key === undefined).map(([name]) => name)).toEqual([
		"config",
	]);
});

describe.each(TABLE)("%s", (name, spec) => {
	test("--help shows its flag, short flag, variable and default", () => {
		const page = formatHelp(
			{ name: "echo-server", version: "0", description: "", args: ARGS },
			{ color: false },
		);
		const flag = new RegExp(`^\\s*(-[a-zA-Z], )?--${spec.flag}(=|\\s|$)`);
		const line = page.split("\n").find((row) => flag.test(row)) ?? "";
		expect(line).toContain(spec.help);
		expect(line).toContain(`[env: ${spec.env}]`);
		if (spec.alias) expect(line).toContain(`-${spec.alias}, --${spec.flag}`);
		const shown = spec.shownDefault ?? (spec.type === "boolean" ? undefined : spec.default);
		if (shown !== undefined) expect(line).toContain(`(default: ${shown})`);
	});

	test("its flag sets it, checked by the table's check", () => {
		const companion = COMPANIONS[name];
		const args = [name, ...(companion ? [companion] : [])].flatMap((setting) =>
			SETTINGS[setting].type === "boolean"
				? [`--${SETTINGS[setting].flag}=${SAMPLES[setting]}`]
				: [`--${SETTINGS[setting].flag}`, SAMPLES[setting]],
		);
		expect((parseFlags(args) as Record<string, unknown>)[name]).toEqual(expected(name));
	});

	test("its environment variable reaches the settings", () => {
		const companion = COMPANIONS[name];
		const env = Object.fromEntries(
			[name, ...(companion ? [companion] : [])].map((setting) => [
				SETTINGS[setting].env,
				SAMPLES[setting],
			]),
		);
		const layer = readEnv(env);
		expect((layer as Record<string, unknown>)[name]).toEqual(expected(name));
		if (name === "config") return; // which file to load: command.ts reads it (the CLI test shows it)
		const settings = resolveSettings({}, null, "/cwd", layer);
		expect(resolvedSample(settings, name)).toEqual(expected(name));
	});

	test("an invalid value in its variable: one E_USAGE line naming the variable", () => {
		if (ANY_TEXT.includes(name)) return;
		try {
			readEnv({ [spec.env ?? ""]: "not-a-value!" });
		} catch (error) {
			expect(error).toBeInstanceOf(CliError);
			expect((error as CliError).exitCode).toBe(2);
			expect((error as CliError).message).toStartWith(
				`invalid ${spec.env} "not-a-value!": expected `,
			);
			return;
		}
		throw new Error(`${spec.env}=not-a-value! was accepted`);
	});

	test("the config file accepts its key, and checks it", () => {
		const key = spec.key;
		if (key === undefined) return; // --config only
		const error = (() => {
			try {
				checkConfig({ [key]: null }, "echo.config.ts");
			} catch (thrown) {
				return thrown as CliError;
			}
		})();
		expect(error?.code).toBe("E_CONFIG");
		expect(error?.message).toStartWith(`invalid ${key} null in echo.config.ts`);
		if (spec.configCheck) return; // its own shape (tls, plugins): config.test.ts
		expect(checkConfig({ [key]: expected(name) }, "echo.config.ts")).toEqual({
			[key]: expected(name),
		});
	});
});

describe("precedence: flags over the environment over the config file over the defaults", () => {
	const file = {
		file: "/etc/echo/echo.config.ts",
		dir: "/etc/echo",
		values: { port: 1, framing: "lines" as const, idleTimeout: 7, unix: "run/e.sock" },
	};

	test("each source wins over the ones below it, setting by setting", () => {
		const env = readEnv({ ECHO_SERVER_PORT: "2", ECHO_SERVER_IDLE_TIMEOUT: "8" });
		const settings = resolveSettings({ port: 3 }, file, "/cwd", env);
		expect(settings).toMatchObject({ port: 3, idleTimeout: 8, framing: "lines", drainTimeout: 5 });
		// The environment's port replaces the file's unix, as --port does.
		expect(settings.unix).toBeUndefined();
		expect(resolveSettings({}, file, "/cwd", {}).unix).toBe("/etc/echo/run/e.sock");
		expect(resolveSettings({}, file, "/cwd", env).port).toBe(2);
	});

	test("the environment's plugins and TLS files replace the file's, from the working directory", () => {
		const env = readEnv({
			ECHO_SERVER_PLUGINS: " uppercase  delay:ms=5,jitter=1 ",
			ECHO_SERVER_TLS_CERT: "c.pem",
			ECHO_SERVER_TLS_KEY: "k.pem",
		});
		const config = { ...file, values: { plugins: ["echo"], tls: { cert: "x", key: "y" } } };
		const settings = resolveSettings({}, config, "/cwd", env);
		expect(settings.plugins).toEqual({
			entries: ["uppercase", "delay:ms=5,jitter=1"],
			base: "/cwd",
		});
		expect(settings.tls).toEqual({ cert: "c.pem", key: "k.pem" });
		expect(resolveSettings({ plugins: ["echo"] }, config, "/cwd", env).plugins.entries).toEqual([
			"echo",
		]);
	});

	test("clashes name the variable: within the environment, and with another source", () => {
		const message = usageMessage;
		expect(message(() => readEnv({ ECHO_SERVER_TLS_CERT: "c.pem" }))).toBe(
			"ECHO_SERVER_TLS_CERT and ECHO_SERVER_TLS_KEY go together: give both or neither",
		);
		expect(message(() => readEnv({ ECHO_SERVER_UNIX: "/s", ECHO_SERVER_PORT: "1" }))).toBe(
			"ECHO_SERVER_UNIX replaces ECHO_SERVER_HOST and ECHO_SERVER_PORT: give one or the other",
		);
		const env = readEnv({ ECHO_SERVER_UDP: "true" });
		expect(message(() => resolveSettings({}, file, "/etc/echo", env))).toBe(
			"ECHO_SERVER_UDP needs a port: it cannot be used with unix in echo.config.ts",
		);
	});

	test("an empty variable counts as unset", () => {
		expect(readEnv({ ECHO_SERVER_PORT: "", ECHO_SERVER_FRAMING: "  " })).toEqual({});
	});
});

test("the README's flags table gives each setting's config key and variable, in its flag's row", async () => {
	const readme = await Bun.file(`${import.meta.dir}/../README.md`).text();
	for (const [, spec] of TABLE) {
		const row =
			readme.split("\n").find((line) => line.startsWith(`| \`--${spec.flag} `)) ??
			readme.split("\n").find((line) => line.startsWith(`| \`--${spec.flag}\``));
		expect(row, `a row for --${spec.flag}`).toBeDefined();
		const key = spec.key === "tls" ? `tls.${spec.flag.slice(4)}` : spec.key;
		if (key) expect(row).toContain(`| \`${key}\``);
		expect(row).toContain(`| \`${spec.env}\``);
	}
});
