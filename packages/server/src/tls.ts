/**
 * TLS files for `--tls-cert` / `--tls-key`: read and checked before the server binds, so a
 * wrong path or a swapped pair is one clear line (`E_TLS`), not an OpenSSL error code.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ConsolaInstance } from "consola/core";
import { CliError, describeError } from "./errors.ts";
import type { TlsFiles } from "./types.ts";

/** PEM text of a certificate (chain) and its key, as Bun's `tls` option takes them. */
export interface TlsPem {
	cert: string;
	key: string;
	/** The certificate signs itself: clients must be given it as their CA. */
	selfSigned: boolean;
}

/**
 * Reads both files and checks that the certificate is PEM, the key is an unencrypted PEM key,
 * and the key belongs to the certificate. Warns when the certificate is expired or not yet
 * valid (clients will refuse it, but that is theirs to decide) unless `logger` is `null`.
 * Throws `E_TLS`.
 * @example
 * const pem = readTls({ cert: "cert.pem", key: "key.pem" }, logger);
 */
export function readTls(files: TlsFiles, logger: ConsolaInstance | null): TlsPem {
	const cert = read(files.cert, "certificate");
	const key = read(files.key, "key");
	let x509: X509Certificate;
	let privateKey: KeyObject;
	try {
		x509 = new X509Certificate(cert);
	} catch {
		throw tlsError(`TLS certificate ${files.cert} is not a PEM certificate (BEGIN CERTIFICATE)`);
	}
	try {
		privateKey = createPrivateKey(key);
	} catch (error) {
		throw tlsError(
			`TLS key ${files.key} is not an unencrypted PEM private key (${describeError(error)})`,
		);
	}
	if (!x509.checkPrivateKey(privateKey)) {
		throw tlsError(`TLS key ${files.key} does not belong to the certificate ${files.cert}`);
	}
	const now = Date.now();
	if (Date.parse(x509.validTo) < now) {
		logger?.warn(
			`TLS certificate ${files.cert} expired on ${x509.validTo}: clients will refuse it`,
		);
	} else if (Date.parse(x509.validFrom) > now) {
		logger?.warn(`TLS certificate ${files.cert} is not valid before ${x509.validFrom}`);
	}
	return { cert, key, selfSigned: x509.checkIssued(x509) && x509.verify(x509.publicKey) };
}

function read(path: string, what: "certificate" | "key"): string {
	try {
		return readFileSync(path, "utf8");
	} catch (error) {
		const code = (error as { code?: string }).code ?? "";
		const reason = READ_ERRORS[code] ?? describeError(error);
		throw tlsError(`cannot read TLS ${what} ${path}: ${reason}`, error);
	}
}

const READ_ERRORS: Record<string, string> = {
	ENOENT: "no such file",
	EACCES: "permission denied",
	EISDIR: "it is a directory",
};

function tlsError(message: string, cause?: unknown): CliError {
	return new CliError("E_TLS", message, { cause });
}
