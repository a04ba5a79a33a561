/**
 * Host names and IP literals as people write them, and the addresses a datagram goes to.
 * @module
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/** One address a host resolved to: what {@link DatagramOptions.lookup} returns, in order. */
export interface ResolvedAddress {
	/** An IP literal, e.g. `127.0.0.1` or `::1` (no brackets). */
	address: string;
	family: 4 | 6;
}

/** `[::1]` → `::1`: the brackets of `[::1]:8888` are not part of the address. */
export function bareHost(host: string): string {
	return host.startsWith("[") && host.endsWith("]") && host.includes(":")
		? host.slice(1, -1)
		: host;
}

/** `HOST:PORT`, with an IPv6 address in brackets: `[::1]:8888`. */
export function hostPort(host: string, port: number): string {
	const bare = bareHost(host);
	return bare.includes(":") ? `[${bare}]:${port}` : `${bare}:${port}`;
}

/**
 * The addresses to try for `host`, in order: an IP literal (brackets allowed) as it is; any name
 * as every address the system resolver returns (getaddrinfo: /etc/hosts, then DNS), and for
 * `localhost` also whichever of 127.0.0.1 and ::1 it left out (RFC 6761: localhost is the
 * loopback; Bun's TCP connect tries both too, so UDP reaches the same servers as TCP).
 * Rejects with the resolver's error (`ENOTFOUND`, `EAI_AGAIN`, …).
 */
export async function resolveHost(host: string): Promise<ResolvedAddress[]> {
	const bare = bareHost(host);
	const family = isIP(bare);
	if (family === 4 || family === 6) return [{ address: bare, family }];
	if (bare.toLowerCase() !== "localhost") return await lookupAll(bare);
	const found = await lookupAll(bare).catch(() => []);
	const missing = LOOPBACKS.filter((loopback) =>
		found.every(({ address }) => address !== loopback.address),
	);
	return [...found, ...missing];
}

async function lookupAll(host: string): Promise<ResolvedAddress[]> {
	return (await lookup(host, { all: true })).map(({ address, family }) => ({
		address,
		family: family === 6 ? 6 : 4,
	}));
}

const LOOPBACKS: readonly ResolvedAddress[] = [
	{ address: "127.0.0.1", family: 4 },
	{ address: "::1", family: 6 },
];
