/**
 * Settings from environment variables (`ECHO_SERVER_PORT=0`), one per setting of the table
 * (setting-table.ts). They sit between the flags and the config file: a flag wins over its
 * variable, the variable over the file. Meant for containers and service managers, where the
 * environment is how settings arrive.
 */
import { layerClash } from "./args.ts";
import { CliError } from "./errors.ts";
import {
	SETTINGS,
	type SettingLayer,
	type SettingName,
	type SettingSpec,
} from "./setting-table.ts";
import { InvalidValue } from "./values.ts";

/** The environment as {@link readEnv} reads it. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The settings `env` gives, checked like their flags. An empty variable counts as unset (a
 * template that leaves it blank means "no opinion"). A `list` setting (`ECHO_SERVER_PLUGINS`)
 * takes whitespace-separated values, in order; a boolean `true` or `false`. Throws `E_USAGE`
 * naming the variable: `invalid ECHO_SERVER_PORT "x": expected an integer from 0 to 65535`.
 * @example
 * readEnv({ ECHO_SERVER_PORT: "0", ECHO_SERVER_FRAMING: "lines" }); // { port: 0, framing: "lines" }
 */
export function readEnv(env: Env = process.env): SettingLayer {
	const layer: Record<string, unknown> = {};
	for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec][]) {
		const text = spec.env === undefined ? undefined : env[spec.env]?.trim();
		if (!text || spec.env === undefined) continue;
		try {
			layer[name] =
				spec.type === "list"
					? text.split(/\s+/).map((value) => spec.check(value))
					: spec.check(text);
		} catch (error) {
			if (!(error instanceof InvalidValue)) throw error;
			throw usage(`invalid ${spec.env} ${JSON.stringify(text)}: ${error.message}`);
		}
	}
	const clash = layerClash(layer, (name) => SETTINGS[name].env);
	if (clash) throw usage(clash);
	return layer;
}

function usage(message: string): CliError {
	return new CliError("E_USAGE", message);
}
