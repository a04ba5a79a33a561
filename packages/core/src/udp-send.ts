/**
 * Sending a reply datagram from a UDP socket that also receives ICMP errors for earlier ones.
 *
 * Measured on Bun 1.4.5 (Linux): when a reply goes to a client that has closed its socket, the
 * kernel gets ICMP "port unreachable" and keeps the error pending on the server's socket. The
 * next syscall on that socket reports it: Bun's `recv` (then the `error` handler sees
 * `ECONNREFUSED … recv`, and the datagram waiting behind it is still read), or, when the next
 * datagram's reply is sent first (same event-loop turn), `send`, which throws `ECONNREFUSED`
 * *and sends nothing*. That error belongs to the earlier datagram: this one is sent again.
 * @module
 */
import type { udp } from "bun";
import { peerName } from "./settings.ts";
import type { Logger } from "./types.ts";

/**
 * Errors an ICMP message can leave pending on a UDP socket (Linux's `icmp_err_convert` and
 * `icmpv6_err_convert`): a send that fails with one of them may be reporting an earlier datagram.
 */
const ICMP_ERRORS = new Set([
	"ECONNREFUSED",
	"EHOSTUNREACH",
	"ENETUNREACH",
	"EHOSTDOWN",
	"ENONET",
	"ENOPROTOOPT",
	"EPROTO",
	"EMSGSIZE",
	"EOPNOTSUPP",
	"EACCES",
]);

/**
 * Each failed send takes one pending error off the socket, so a second try normally goes out.
 * More ICMP errors can arrive meanwhile (a flood of bounces): a few tries, never a loop.
 */
const MAX_ATTEMPTS = 8;

/**
 * Sends `bytes` to `address:port`; never throws. A send refused for an earlier datagram's ICMP
 * error is tried again (up to {@link MAX_ATTEMPTS} times); any other failure drops the reply
 * with a debug line, as UDP may. `false` from Bun (the kernel's buffer is full) is a drop too.
 * Nothing is sent once the socket is closed (a reply that finished after the server stopped).
 * @returns true when the datagram was handed to the kernel.
 */
export function sendReply(
	socket: udp.Socket<"buffer">,
	bytes: Uint8Array,
	port: number,
	address: string,
	logger: Logger,
): boolean {
	for (let attempt = 1; !socket.closed; attempt++) {
		try {
			return socket.send(bytes, port, address);
		} catch (error) {
			const code = (error as { code?: unknown })?.code;
			if (typeof code === "string" && ICMP_ERRORS.has(code) && attempt < MAX_ATTEMPTS) continue;
			const reason = error instanceof Error ? error.message : String(error);
			const remote = peerName({ remoteAddress: address, remotePort: port });
			logger.debug(`udp reply to ${remote} dropped: ${reason}`);
			return false;
		}
	}
	return false;
}
