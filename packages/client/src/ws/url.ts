/**
 * `--ws URL`: the WebSocket server to talk to, checked before anything connects.
 * @module
 */
import { CliError } from "../errors.ts";

/** A checked `--ws` URL. */
export interface WsTarget {
	/** The URL to connect to, normalised (`ws://127.0.0.1:8080/`). */
	url: string;
	/** `wss:`: TLS, with the client's TLS flags. */
	secure: boolean;
}

/**
 * Parses `--ws`: `ws://HOST[:PORT]/PATH` or `wss://…` (RFC 6455 §3; the port defaults to 80 and
 * 443), IPv6 in brackets (`ws://[::1]:8080/`). No fragment (§3 forbids one), no user or password,
 * a port from 1 to 65535. Throws `E_USAGE` naming `--ws` otherwise; `see` is the help the message points to.
 * @example
 * parseWsUrl("ws://[::1]:8080"); // { url: "ws://[::1]:8080/", secure: false }
 */
export function parseWsUrl(text: string, see = "echo-client --help"): WsTarget {
	const problem = (why: string) =>
		new CliError("E_USAGE", `invalid --ws ${JSON.stringify(text)}: ${why} (see ${see})`);
	const url = URL.parse(text);
	if (url === null) {
		// URL.parse refuses a port above 65535 and a malformed host alike: say which if we can.
		const authority = /^wss?:\/\/([^/?#]*)/i.exec(text)?.[1];
		if (authority?.startsWith("[") && !authority.includes("]")) {
			throw problem('the IPv6 address has no closing "]" (ws://[::1]:8080/)');
		}
		if (authority !== undefined && !authority.startsWith("[") && /:.*:/.test(authority)) {
			throw problem("an IPv6 address goes in brackets (ws://[::1]:8080/)");
		}
		const port = /^wss?:\/\/(?:\[[^\]]*\]|[^/:?#]*):([^/?#]*)/i.exec(text)?.[1];
		if (port !== undefined) throw problem(`port ${JSON.stringify(port)} is not 1 to 65535`);
		throw problem("expected a URL like ws://127.0.0.1:8080/ or wss://HOST:PORT/");
	}
	if (url.protocol !== "ws:" && url.protocol !== "wss:") {
		throw problem(`expected ws:// or wss://, not ${url.protocol}//`);
	}
	if (url.hostname === "") throw problem("no host");
	if (url.port === "0") throw problem('port "0" is not 1 to 65535');
	if (url.hash !== "" || text.includes("#")) throw problem("a WebSocket URL has no #fragment");
	if (url.username !== "" || url.password !== "")
		throw problem("user and password are not supported");
	return { url: url.href, secure: url.protocol === "wss:" };
}
