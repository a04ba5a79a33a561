/**
 * Settings from environment variables (`ECHO_SERVER_PORT=0`), one per setting of the table
 * (setting-table.ts). They sit between the flags and the config file: a flag wins over its
 * variable, the variable over the file. Meant for containers and service managers, where the
 * environment is how settings arrive.
 */
import leven from "leven";
import { layerClash } from "./args.ts";
import { CliError } from "./errors.ts";
import {
	SETTINGS,
	type SettingLayer,
	type SettingName,
	type SettingSpec,
} from "./setting-table.ts";
import { InvalidValue } from "./values.ts";
import { WORKER_ENV } from "./worker-protocol.ts";

/** The environment as {@link readEnv} reads it. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The settings `env` gives, checked like their flags. An empty variable counts as unset (a
 * template that leaves it blank means "no opinion"). A `list` setting (`ECHO_SERVER_PLUGINS`)
 * takes whitespace-separated values, in order; a boolean `true` or `false`. Throws `E_USAGE`
 * naming the variable: `invalid ECHO_SERVER_PORT "x": expected an integer from 0 to 65535`; and
 * for a set `ECHO_SERVER_*` variable that names no setting (a typo like `ECHO_SERVER_PROT`
 * would otherwise start on the default port, as an unknown flag would). The variables
 * Kubernetes adds for a Service named `echo-server` are not settings and are ignored (see
 * {@link isServiceLink}).
 * @example
 * readEnv({ ECHO_SERVER_PORT: "0", ECHO_SERVER_FRAMING: "lines" }); // { port: 0, framing: "lines" }
 */
export function readEnv(env: Env = process.env): SettingLayer {
	checkNames(env);
	const layer: Record<string, unknown> = {};
	for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec][]) {
		const text = spec.env === undefined ? undefined : env[spec.env]?.trim();
		if (!text || spec.env === undefined || isServiceLink(spec.env, text)) continue;
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

/** The variables of the table, and the one a primary sets for its workers. */
const KNOWN = new Set<string>([
	...Object.values(SETTINGS).flatMap((spec: SettingSpec) => (spec.env ? [spec.env] : [])),
	WORKER_ENV,
]);

function checkNames(env: Env): void {
	const unknown = Object.keys(env).filter(
		(name) =>
			name.startsWith(PREFIX) &&
			!KNOWN.has(name) &&
			env[name]?.trim() &&
			!isServiceLink(name, env[name] ?? ""),
	);
	if (unknown.length === 0) return;
	if (unknown.length > 1) throw usage(`unknown variables ${unknown.join(", ")}; see --help`);
	const name = unknown[0] as string;
	const guess = [...KNOWN].find((candidate) => leven(candidate, name) <= 2);
	throw usage(`unknown variable ${name}${guess ? ` (did you mean ${guess}?)` : ""}; see --help`);
}

const PREFIX = "ECHO_SERVER_";

/**
 * Whether `name=value` is one of the variables Kubernetes puts in every container of a
 * namespace for each Service there, named after the Service, in the Docker links style
 * (Kubernetes docs, "Service" → "Discovering services" → "Environment variables"). A Service
 * called `echo-server` (as in deploy/kubernetes) gives `ECHO_SERVER_SERVICE_HOST=10.0.0.11`,
 * `ECHO_SERVER_SERVICE_PORT[_<PORT NAME>]=8888`, `ECHO_SERVER_PORT=tcp://10.0.0.11:8888` and
 * `ECHO_SERVER_PORT_8888_TCP[_PROTO|_PORT|_ADDR]`. Not settings: without this a pod started
 * after its Service would stop with "unknown variable" (or "invalid ECHO_SERVER_PORT") at every
 * restart. A port is never `tcp://…`, so that value of ECHO_SERVER_PORT cannot be a setting.
 */
export function isServiceLink(name: string, value: string): boolean {
	return SERVICE_LINK_NAME.test(name) || (name === `${PREFIX}PORT` && SERVICE_LINK_URL.test(value));
}

const SERVICE_LINK_NAME =
	/^ECHO_SERVER_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)$/;
const SERVICE_LINK_URL = /^(tcp|udp|sctp):\/\/\S+:\d+$/;

function usage(message: string): CliError {
	return new CliError("E_USAGE", message);
}
