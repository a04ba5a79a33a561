import { expect, test } from "bun:test";
import { clientHint, type Endpoint, listeningMessage } from "../src/announce.ts";

const tcp: Endpoint = { host: "127.0.0.1", port: 8888, udp: false, workers: 1 };

test("Listening on: the address, then what is not plain TCP", () => {
	expect(listeningMessage(tcp)).toBe("Listening on 127.0.0.1:8888");
	expect(listeningMessage({ ...tcp, port: 8443, tlsCert: "c.pem" })).toBe(
		"Listening on 127.0.0.1:8443 (TLS)",
	);
	expect(listeningMessage({ ...tcp, udp: true })).toBe("Listening on 127.0.0.1:8888 (TCP+UDP)");
	expect(listeningMessage({ ...tcp, workers: 4 })).toBe("Listening on 127.0.0.1:8888 (4 workers)");
	expect(listeningMessage({ ...tcp, tlsCert: "c.pem", udp: true, workers: 2 })).toBe(
		"Listening on 127.0.0.1:8888 (TLS+UDP, 2 workers)",
	);
	expect(listeningMessage({ ...tcp, host: "::1" })).toBe("Listening on [::1]:8888");
	expect(listeningMessage({ ...tcp, port: 0, unix: "/tmp/e.sock" })).toBe(
		"Listening on /tmp/e.sock",
	);
	expect(listeningMessage({ ...tcp, port: 0, unix: "/tmp/e.sock", tlsCert: "c.pem" })).toBe(
		"Listening on /tmp/e.sock (TLS)",
	);
});

test("the hint is one echo-client command line for this server", () => {
	expect(clientHint(tcp)).toBe("Talk to it: bunx echo-client --port 8888");
	expect(clientHint({ ...tcp, host: "0.0.0.0" })).toBe("Talk to it: bunx echo-client --port 8888");
	expect(clientHint({ ...tcp, host: "192.168.1.5" })).toBe(
		"Talk to it: bunx echo-client --host 192.168.1.5 --port 8888",
	);
	expect(clientHint({ ...tcp, host: "::" })).toBe(
		"Talk to it: bunx echo-client --host ::1 --port 8888",
	);
	expect(clientHint({ ...tcp, tlsCert: "certs/c.pem", selfSigned: true })).toBe(
		"Talk to it: bunx echo-client --port 8888 --tls --ca certs/c.pem",
	);
	expect(clientHint({ ...tcp, tlsCert: "certs/c.pem", selfSigned: false })).toBe(
		"Talk to it: bunx echo-client --port 8888 --tls",
	);
	expect(clientHint({ ...tcp, udp: true })).toBe(
		"Talk to it: bunx echo-client --port 8888 (add --udp for UDP)",
	);
	expect(clientHint({ ...tcp, port: 0, unix: "/tmp/my sockets/e.sock" })).toBe(
		"Talk to it: bunx echo-client --unix '/tmp/my sockets/e.sock'",
	);
	for (const endpoint of [tcp, { ...tcp, udp: true, tlsCert: "c.pem" }]) {
		expect(clientHint(endpoint)).not.toContain("\n");
	}
});
