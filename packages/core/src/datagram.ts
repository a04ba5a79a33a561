import { EchoError } from "./errors.ts";

/** Options of {@link exchangeDatagram}. */
export interface DatagramOptions {
	/** Default `127.0.0.1`. */
	hostname?: string;
	/** Default `8888`. */
	port?: number;
	/** How long to wait for the reply. Default 2000. */
	timeoutMs?: number;
}

/**
 * Sends one UDP datagram from a fresh socket (so a late reply to an earlier datagram can never
 * pass for this one's) and waits for the reply (RFC 862 datagram echo).
 * @returns the reply, or `null` when none came within `timeoutMs` (UDP may drop, a plugin may
 * reply nothing). Rejects with `E_CONNECT` when the address cannot be used or the port is known
 * to be closed (the ICMP "port unreachable" of a closed local port is reported at once).
 * @example
 * const reply = await exchangeDatagram("ping", { port: 8888 });
 */
export async function exchangeDatagram(
	data: string | Uint8Array,
	options: DatagramOptions = {},
): Promise<Uint8Array | null> {
	const hostname = options.hostname ?? "127.0.0.1";
	const port = options.port ?? 8888;
	const address = `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
	const failure = (cause: unknown) => {
		const reason = (cause as { code?: unknown })?.code ?? (cause as Error)?.message ?? cause;
		return new EchoError("E_CONNECT", `cannot send to ${address}: ${reason}`, { cause });
	};
	const settled = Promise.withResolvers<Uint8Array | null>();
	let socket: Awaited<ReturnType<typeof Bun.udpSocket>>;
	try {
		socket = await Bun.udpSocket({
			connect: { hostname, port },
			socket: {
				data: (_socket, reply) => settled.resolve(reply),
				// Bun 1.4.5 calls this with the error alone (`this` is the socket), unlike its types.
				error(first: unknown, second?: unknown) {
					settled.reject(failure(second instanceof Error ? second : first));
				},
			},
		});
	} catch (error) {
		throw failure(error); // ENOTFOUND, EAFNOSUPPORT, …
	}
	const timer = setTimeout(() => settled.resolve(null), options.timeoutMs ?? 2000);
	try {
		// send() throws EMSGSIZE and the like; false means the socket took nothing.
		if (!socket.send(data)) throw new Error("the socket did not take the datagram");
		return await settled.promise;
	} catch (error) {
		throw error instanceof EchoError ? error : failure(error);
	} finally {
		clearTimeout(timer);
		socket.close();
	}
}
