/**
 * A failed TLS handshake in words, for the warning that names the dropped connection. Bun hands
 * over OpenSSL's error text (`error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER`),
 * which says little to someone reading a server log.
 * @module
 */

/** What a client that closed or reset during its handshake is logged as. */
export const LEFT_DURING_HANDSHAKE = "the client left before its TLS handshake finished";

/**
 * Why a handshake failed, in words: the reason in an OpenSSL error (`error:…:WRONG_VERSION_NUMBER`
 * → `TLS handshake failed: wrong version number`), or that the client left (Bun's "Client network
 * socket disconnected before secure TLS connection was established").
 */
export function handshakeFailure(error: Error | null | undefined): string {
	const message = error?.message ?? "unknown error";
	if (/disconnected before secure TLS connection/i.test(message)) return LEFT_DURING_HANDSHAKE;
	const reason = message.startsWith("error:") ? (message.split(":").pop() ?? message) : message;
	const words = reason.toLowerCase().replaceAll("_", " ");
	// A plaintext client's first bytes read as a TLS record of a version that does not exist.
	const hint = /wrong version number|http request/.test(words) ? " (not TLS?)" : "";
	return `TLS handshake failed: ${words}${hint}`;
}
