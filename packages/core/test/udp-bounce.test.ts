/**
 * UDP replies that bounce: a client sends one datagram and closes its socket before the reply
 * comes, so the reply meets ICMP "port unreachable" and the kernel leaves ECONNREFUSED pending
 * on the server's socket. That error must not cost the next client its reply, whichever path
 * sends it (no plugins, a sync or an async transform) and over either address family.
 *
 * Bouncer and healthy client run in this process: both datagrams are queued before the server's
 * handler runs, so the healthy reply is sent right after the bounce, every round (the case that
 * lost replies: the pending error was handed to that send, which then sent nothing).
 */
import { describe, expect, test } from "bun:test";
import { type AnyPlugin, definePlugin, exchangeDatagram, startServer } from "../src/index.ts";
import { bounceRounds } from "./fixtures/udp-bounce.ts";
import { decoder, recordingLogger, stoppedAfterEach } from "./helpers.ts";

const ROUNDS = 100;

const same = definePlugin({ name: "same", transform: () => null });
const later = definePlugin({ name: "later", transform: async () => null });
const paths: [string, AnyPlugin[]][] = [
	["no plugins", []],
	["a sync transform", [same]],
	["an async transform", [later]],
];

const servers = stoppedAfterEach({ drainTimeoutMs: 0, closeTimeoutMs: 100 });

describe.each(["127.0.0.1", "::1"])("UDP over %s", (host) => {
	test.each(paths)(
		`with %s: ${ROUNDS} rounds of a bounced reply, each followed by a client that gets its reply`,
		async (_path, plugins) => {
			const logger = recordingLogger();
			const server = await startServer({ hostname: host, port: 0, udp: true, plugins, logger });
			servers.push(server);
			const answered = await bounceRounds(host, server.port, ROUNDS);
			expect(answered).toBe(ROUNDS);
			// A bounce is nobody's failure: no plugin error, no warning, for any of them.
			expect(logger.lines.filter((line) => line.level !== "debug")).toEqual([]);
			// And the socket goes on serving.
			const after = await exchangeDatagram("after", { hostname: host, port: server.port });
			expect(after && decoder.decode(after)).toBe("after");
		},
	);
});
