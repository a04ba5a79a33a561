/**
 * From `--tls`, `--ca`, `--insecure` and `--servername` to the `tls` option of core's `connect`.
 * @module
 */
import { readFileSync } from "node:fs";
import type { TLSOptions } from "bun";
import type { TlsArgs } from "./args.ts";
import { CliError } from "./errors.ts";

/** Printed on stderr once with `--insecure`, before connecting. */
export const INSECURE_WARNING =
	"echo-client: warning: --insecure: the server's certificate is not verified; anyone on the path can read and change the traffic";

/**
 * The `tls` option for `connect()`: `true` (system CAs) or Bun's options. Reads the `--ca` file
 * now, so a missing or unreadable file is one clear error (`E_CA_FILE`) before any connection,
 * and one without a PEM certificate is refused rather than silently trusting nothing.
 */
export function tlsOptions(args: TlsArgs): true | TLSOptions {
	const options: TLSOptions = {};
	if (args.caFile !== undefined) options.ca = readCa(args.caFile);
	if (args.insecure) options.rejectUnauthorized = false;
	if (args.serverName !== undefined) options.serverName = args.serverName;
	return Object.keys(options).length === 0 ? true : options;
}

function readCa(path: string): string {
	let pem: string;
	try {
		pem = readFileSync(path, "utf8");
	} catch (error) {
		const code = (error as { code?: unknown }).code;
		const reason = (typeof code === "string" && fileErrors[code]) || (error as Error).message;
		throw new CliError("E_CA_FILE", `cannot read --ca ${JSON.stringify(path)}: ${reason}`, {
			cause: error,
		});
	}
	// Bun ignores a CA file without a certificate in it (a key, say) and trusts nothing extra.
	if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
		throw new CliError(
			"E_CA_FILE",
			`--ca ${JSON.stringify(path)} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`,
		);
	}
	return pem;
}

const fileErrors: Record<string, string> = {
	ENOENT: "no such file",
	EACCES: "permission denied",
	EISDIR: "it is a directory",
};
