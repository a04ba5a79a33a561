import { bareHost, hostPort, type ResolvedAddress, resolveHost } from "./address.ts";
import { EchoError } from "./errors.ts";

/** Options of {@link exchangeDatagram}. */
export interface DatagramOptions {
	/** A name, an IPv4 or an IPv6 address (`::1`, also `[::1]`). Default `127.0.0.1`. */
	hostname?: string;
	/** Default `8888`. */
	port?: number;
	/** How long to wait for the reply, in ms, from the first send (not the lookup). Default 2000. */
	timeoutMs?: number;
	/**
	 * Resolves `hostname` to the addresses to try, in order. Default: the system resolver, with
	 * `localhost` always covering both 127.0.0.1 and ::1 (see `resolveHost`). A seam for tests
	 * and for callers with their own resolver; rejecting makes the exchange fail with `E_CONNECT`.
	 */
	lookup?: (hostname: string) => Promise<readonly ResolvedAddress[]>;
}

/**
 * Sends one UDP datagram from a fresh socket (so a late reply to an earlier datagram, or an ICMP
 * error about one, can never pass for this one's) and waits for the reply (RFC 862 datagram
 * echo). The socket is of the family of the address it sends to, so IPv6 works like IPv4.
 * When the host has several addresses, the next is tried only if the previous one was refused
 * at once (ICMP "port unreachable", an address family the system lacks): as TCP's connect does.
 * @returns the reply, or `null` when none came within `timeoutMs` (UDP may drop, a plugin may
 * reply nothing). Rejects with `E_CONNECT` when the name does not resolve, the address cannot be
 * used or the port is known to be closed (the ICMP "port unreachable" of a closed local port is
 * reported at once); `cause` is the first address's error.
 * @example
 * const reply = await exchangeDatagram("ping", { port: 8888 });
 * const overIpv6 = await exchangeDatagram("ping", { hostname: "::1", port: 8888 });
 */
export async function exchangeDatagram(
	data: string | Uint8Array,
	options: DatagramOptions = {},
): Promise<Uint8Array | null> {
	const hostname = bareHost(options.hostname ?? "127.0.0.1");
	const port = options.port ?? 8888;
	const address = hostPort(hostname, port);
	const failure = (cause: unknown) => {
		const reason = (cause as { code?: unknown })?.code ?? (cause as Error)?.message ?? cause;
		return new EchoError("E_CONNECT", `cannot send to ${address}: ${reason}`, { cause });
	};
	let targets: readonly ResolvedAddress[];
	try {
		targets = await (options.lookup ?? resolveHost)(hostname);
	} catch (error) {
		throw failure(error); // ENOTFOUND, EAI_AGAIN, …
	}
	if (targets.length === 0) {
		throw failure(Object.assign(new Error("no address"), { code: "ENOTFOUND" }));
	}
	const deadline = Date.now() + (options.timeoutMs ?? 2000);
	let first: unknown;
	for (const target of targets) {
		try {
			return await exchangeWith(data, target, port, deadline);
		} catch (error) {
			first ??= error;
		}
	}
	throw failure(first);
}

/**
 * One try at one address: the reply, `null` at `deadline`, or a rejection with what Bun reported
 * (EAFNOSUPPORT, ECONNREFUSED, EMSGSIZE, …).
 */
async function exchangeWith(
	data: string | Uint8Array,
	target: ResolvedAddress,
	port: number,
	deadline: number,
): Promise<Uint8Array | null> {
	const settled = Promise.withResolvers<Uint8Array | null>();
	// Bun binds 0.0.0.0 when not told otherwise, and an IPv4 socket cannot reach ::1.
	const socket = await Bun.udpSocket({
		hostname: target.family === 6 ? "::" : "0.0.0.0",
		connect: { hostname: target.address, port },
		socket: {
			data: (_socket, reply) => settled.resolve(reply),
			// Bun 1.4.5 calls this with the error alone (`this` is the socket), unlike its types.
			error(first: unknown, second?: unknown) {
				settled.reject(second instanceof Error ? second : first);
			},
		},
	});
	const timer = setTimeout(() => settled.resolve(null), Math.max(0, deadline - Date.now()));
	try {
		// send() throws EMSGSIZE and the like; false means the socket took nothing.
		if (!socket.send(data)) throw new Error("the socket did not take the datagram");
		return await settled.promise;
	} finally {
		clearTimeout(timer);
		socket.close();
	}
}
