/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2), read from the
 * first bytes of a connection: who the client behind a TCP proxy really is. Pure: no sockets,
 * no state; the caller keeps the bytes read so far and asks again when more arrive.
 * @module
 */
import { isIPv4, isIPv6 } from "node:net";

/** One end of the proxied connection. `port` is 0 for a Unix socket. */
export interface ProxyEndpoint {
	readonly address: string;
	readonly port: number;
}

/**
 * A parsed header. `source`/`destination` are present only when the header carries addresses
 * the server uses (v1 TCP4/TCP6, v2 PROXY over TCP or Unix stream); for v1 `UNKNOWN`, v2
 * `LOCAL` (health checks) and v2 families this server does not use, the socket's own addresses
 * stand.
 */
export interface ProxyHeader {
	readonly version: 1 | 2;
	/** `local`: the proxy speaking for itself (v2 LOCAL), e.g. a health check. */
	readonly command: "proxy" | "local";
	readonly family: "tcp4" | "tcp6" | "unix" | "unknown";
	readonly source?: ProxyEndpoint;
	readonly destination?: ProxyEndpoint;
}

/**
 * What {@link parseProxyHeader} makes of the bytes so far:
 * - `more`: a valid beginning; read on.
 * - `done`: a whole header of `length` bytes; bytes after it are the client's data.
 * - `error`: not a valid header, with `reason` in words. `missing` is true when the bytes do not
 *   even start like a header (a client talking straight to the server), false when they do
 *   but go wrong.
 */
export type ProxyParse =
	| { readonly status: "more" }
	| { readonly status: "done"; readonly header: ProxyHeader; readonly length: number }
	| { readonly status: "error"; readonly reason: string; readonly missing: boolean };

/** The longest v1 header, `\r\n` included (the specification's bound). */
export const MAX_V1_LENGTH = 107;
/**
 * The longest v2 address block and TLVs accepted, in bytes (the 16-byte fixed part not
 * counted). The specification allows 65535; the Unix addresses take 216, and what proxies add
 * as TLVs (ALPN, authority, TLS details, cloud endpoint ids) stays well under this.
 */
export const MAX_V2_BODY = 4096;

/** `\r\n\r\n\0\r\nQUIT\n`: the 12 bytes every v2 header starts with. */
export const V2_SIGNATURE = Uint8Array.of(
	0x0d,
	0x0a,
	0x0d,
	0x0a,
	0x00,
	0x0d,
	0x0a,
	0x51,
	0x55,
	0x49,
	0x54,
	0x0a,
);
const V1_SIGNATURE = Uint8Array.from("PROXY ", (c) => c.charCodeAt(0));

/**
 * Reads a PROXY header, version 1 or 2, from the start of `bytes` (everything the connection
 * has received so far). Never throws; rejects a wrong signature as soon as one byte shows it.
 * @example
 * const parsed = parseProxyHeader(new TextEncoder().encode("PROXY TCP4 192.0.2.1 192.0.2.2 5000 80\r\nhi"));
 * // { status: "done", length: 40, header: { version: 1, command: "proxy", family: "tcp4",
 * //   source: { address: "192.0.2.1", port: 5000 }, destination: { address: "192.0.2.2", port: 80 } } }
 */
export function parseProxyHeader(bytes: Uint8Array): ProxyParse {
	if (bytes.byteLength === 0) return MORE;
	if (bytes[0] === V1_SIGNATURE[0]) return parseV1(bytes);
	if (bytes[0] === V2_SIGNATURE[0]) return parseV2(bytes);
	return missing();
}

function parseV1(bytes: Uint8Array): ProxyParse {
	const prefix = Math.min(bytes.byteLength, V1_SIGNATURE.byteLength);
	for (let i = 0; i < prefix; i++) if (bytes[i] !== V1_SIGNATURE[i]) return missing();
	const end = bytes.subarray(0, MAX_V1_LENGTH).indexOf(LF);
	if (end === -1) {
		if (bytes.byteLength < MAX_V1_LENGTH) return MORE;
		return malformed(`v1 header longer than ${MAX_V1_LENGTH} bytes`);
	}
	if (bytes[end - 1] !== CR) return malformed("v1 header does not end with \\r\\n");
	const line = latin1(bytes.subarray(0, end - 1));
	const length = end + 1;
	const [, protocol, ...fields] = line.split(" ");
	// UNKNOWN: the receiver ignores whatever follows it on the line.
	if (protocol === "UNKNOWN")
		return done({ version: 1, command: "proxy", family: "unknown" }, length);
	if (protocol !== "TCP4" && protocol !== "TCP6") {
		return malformed(`v1 protocol ${quote(protocol ?? "")} (expected TCP4, TCP6 or UNKNOWN)`);
	}
	if (fields.length !== 4)
		return malformed(`v1 ${protocol} header needs 4 fields, got ${quote(line)}`);
	const [source, destination, sourcePort, destinationPort] = fields as [
		string,
		string,
		string,
		string,
	];
	const valid = protocol === "TCP4" ? isIPv4 : isIPv6Plain;
	for (const address of [source, destination]) {
		if (!valid(address)) return malformed(`v1 ${protocol} address ${quote(address)} is not valid`);
	}
	for (const port of [sourcePort, destinationPort]) {
		if (!PORT.test(port) || Number(port) > 65535)
			return malformed(`v1 port ${quote(port)} is not valid`);
	}
	const family = protocol === "TCP4" ? "tcp4" : "tcp6";
	return done(
		{
			version: 1,
			command: "proxy",
			family,
			source: { address: source, port: Number(sourcePort) },
			destination: { address: destination, port: Number(destinationPort) },
		},
		length,
	);
}

function parseV2(bytes: Uint8Array): ProxyParse {
	const prefix = Math.min(bytes.byteLength, V2_SIGNATURE.byteLength);
	for (let i = 0; i < prefix; i++) if (bytes[i] !== V2_SIGNATURE[i]) return missing();
	if (bytes.byteLength < 16) {
		// Check the version and command as soon as they are here.
		return bytes.byteLength > 12 ? (checkVersion(bytes[12] as number) ?? MORE) : MORE;
	}
	const versionError = checkVersion(bytes[12] as number);
	if (versionError) return versionError;
	const bodyLength = ((bytes[14] as number) << 8) | (bytes[15] as number);
	if (bodyLength > MAX_V2_BODY) {
		return malformed(
			`v2 header of ${bodyLength} bytes after its first 16 (at most ${MAX_V2_BODY})`,
		);
	}
	const length = 16 + bodyLength;
	if (bytes.byteLength < length) return MORE;
	const command = (bytes[12] as number) & 0x0f ? "proxy" : "local";
	// LOCAL: the proxy's own connection (a health check); its addresses, if any, are ignored.
	if (command === "local") return done({ version: 2, command, family: "unknown" }, length);
	const familyByte = bytes[13] as number;
	const family = familyByte >> 4;
	const transport = familyByte & 0x0f;
	if (family > 3 || transport > 2) {
		return malformed(`v2 address family and transport 0x${hex(familyByte)} are not defined`);
	}
	const body = bytes.subarray(16, length);
	const needed = ADDRESS_BYTES[family] as number;
	if (body.byteLength < needed) {
		return malformed(
			`v2 address block of ${body.byteLength} bytes for family ${family} (needs ${needed})`,
		);
	}
	// As HAProxy does: only stream addresses are used; UNSPEC and datagram ones keep the socket's.
	if (family === 0 || transport !== 1)
		return done({ version: 2, command, family: "unknown" }, length);
	if (family === 3) {
		return done(
			{
				version: 2,
				command,
				family: "unix",
				source: { address: unixPath(body.subarray(0, 108)), port: 0 },
				destination: { address: unixPath(body.subarray(108, 216)), port: 0 },
			},
			length,
		);
	}
	const size = family === 1 ? 4 : 16;
	const format = family === 1 ? ipv4 : ipv6;
	const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
	return done(
		{
			version: 2,
			command,
			family: family === 1 ? "tcp4" : "tcp6",
			source: { address: format(body.subarray(0, size)), port: view.getUint16(2 * size) },
			destination: {
				address: format(body.subarray(size, 2 * size)),
				port: view.getUint16(2 * size + 2),
			},
		},
		length,
	);
}

/** The high nibble is the version (2), the low one the command (0 LOCAL, 1 PROXY). */
function checkVersion(byte: number): ProxyParse | null {
	if (byte >> 4 !== 2) return malformed(`v2 version ${byte >> 4} (expected 2)`);
	if ((byte & 0x0f) > 1)
		return malformed(`v2 command ${byte & 0x0f} (expected 0 LOCAL or 1 PROXY)`);
	return null;
}

/** Address block sizes by family: UNSPEC, INET, INET6, UNIX. */
const ADDRESS_BYTES = [0, 12, 36, 216];

/**
 * A Unix socket path: NUL-terminated in its 108 bytes; an abstract one (leading NUL) is
 * written `@name`, as `ss` and HAProxy (`abns@`) write it.
 */
function unixPath(bytes: Uint8Array): string {
	const abstract = bytes[0] === 0;
	const start = abstract ? 1 : 0;
	let end = bytes.indexOf(0, start);
	if (end === -1) end = bytes.byteLength;
	const name = new TextDecoder().decode(bytes.subarray(start, end));
	return abstract ? (name ? `@${name}` : "") : name;
}

function ipv4(bytes: Uint8Array): string {
	return Array.from(bytes).join(".");
}

/** RFC 5952 text: lowercase, the longest run of two or more zero groups as `::`, IPv4-mapped as `::ffff:a.b.c.d`. */
export function ipv6(bytes: Uint8Array): string {
	const groups: number[] = [];
	for (let i = 0; i < 16; i += 2)
		groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
	if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
		return `::ffff:${ipv4(bytes.subarray(12, 16))}`;
	}
	let bestStart = -1;
	let bestLength = 1;
	for (let i = 0; i < 8; ) {
		if (groups[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLength) {
			bestStart = i;
			bestLength = j - i;
		}
		i = j;
	}
	const text = groups.map((g) => g.toString(16));
	if (bestStart === -1) return text.join(":");
	return `${text.slice(0, bestStart).join(":")}::${text.slice(bestStart + bestLength).join(":")}`;
}

/** An IPv6 literal without a zone (`%eth0`): a header names a host, not an interface. */
function isIPv6Plain(address: string): boolean {
	return !address.includes("%") && isIPv6(address);
}

function done(header: ProxyHeader, length: number): ProxyParse {
	return { status: "done", header, length };
}

function missing(): ProxyParse {
	return {
		status: "error",
		reason: "no PROXY header (the connection did not start with one)",
		missing: true,
	};
}

function malformed(reason: string): ProxyParse {
	return { status: "error", reason: `malformed PROXY header: ${reason}`, missing: false };
}

/** A string from a client, quoted with control and non-ASCII bytes escaped, for one log line. */
function quote(text: string): string {
	return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text).replace(
		/[\u007f-\uffff]/g,
		(c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
	);
}

function latin1(bytes: Uint8Array): string {
	return String.fromCharCode(...bytes);
}

function hex(byte: number): string {
	return byte.toString(16).padStart(2, "0");
}

const MORE: ProxyParse = { status: "more" };
const CR = 0x0d;
const LF = 0x0a;
/** Decimal, no sign, no leading zero (except `0` itself). */
const PORT = /^(0|[1-9]\d{0,4})$/;
