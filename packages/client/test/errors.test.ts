import { expect, test } from "bun:test";
import { EchoError } from "@echokit/core";
import { CliError, exitCodes, formatError, toCliError } from "../src/errors.ts";

const withCode = (code: string) => Object.assign(new Error("Failed to connect"), { code });

test("exit codes: 1 unexpected or a failed bench, 2 usage, 3 connect, 4 no reply, 5 connection lost, 6 TLS", () => {
	expect(exitCodes).toEqual({
		E_UNEXPECTED: 1,
		E_USAGE: 2,
		E_CA_FILE: 2,
		E_CONNECT: 3,
		E_CONNECT_TIMEOUT: 3,
		E_REPLY_TIMEOUT: 4,
		E_NO_REPLY: 4,
		E_CONNECTION_LOST: 5,
		E_TLS: 6,
		E_WS_CLOSED: 5,
		E_BENCH_FAILED: 1,
		E_METRICS_URL: 3,
	});
});

test("core's connect errors become one readable line with exit code 3", () => {
	const refused = new EchoError("E_CONNECT", "cannot connect to 127.0.0.1:1: connection refused", {
		cause: withCode("ECONNREFUSED"),
	});
	const error = toCliError(refused, "127.0.0.1:1");
	expect(error.exitCode).toBe(3);
	expect(formatError(error)).toBe(
		"echo-client: cannot connect to 127.0.0.1:1: connection refused (E_CONNECT)",
	);
	const timeout = new EchoError("E_CONNECT_TIMEOUT", "connecting to h:1 timed out after 5 ms");
	expect(formatError(toCliError(timeout))).toBe(
		"echo-client: connecting to h:1 timed out after 5 ms (E_CONNECT_TIMEOUT)",
	);
});

test("a lost connection is exit 5; anything else is unexpected, exit 1", () => {
	const reset = new EchoError("E_CLOSED", "connection lost", { cause: withCode("ECONNRESET") });
	expect(formatError(toCliError(reset, "h:1"))).toBe(
		"echo-client: connection to h:1 lost: connection reset by peer (E_CONNECTION_LOST)",
	);
	expect(toCliError(new TypeError("boom")).exitCode).toBe(1);
	const usage = new CliError("E_USAGE", "bad");
	expect(toCliError(usage)).toBe(usage);
});

test("TLS failures are exit 6, with a hint at what to try", () => {
	const untrusted = new EchoError("E_TLS", "TLS with h:1 failed: self signed certificate");
	expect(toCliError(untrusted).exitCode).toBe(6);
	expect(formatError(toCliError(untrusted))).toBe(
		"echo-client: TLS with h:1 failed: self signed certificate (to trust it, pass its CA or certificate with --ca FILE) (E_TLS)",
	);
	const mismatch = new EchoError(
		"E_TLS",
		"TLS with h:1 failed: Hostname/IP does not match certificate's altnames: Host: x. is not in the cert's altnames: DNS:localhost",
	);
	expect(toCliError(mismatch).message).toEndWith("(--servername NAME sets the name checked)");
	// With --ca given, "pass --ca" is no help: say that this CA does not vouch for the server.
	expect(toCliError(untrusted, "h:1", "ca.pem").message).toEndWith(
		'(it is not signed by --ca "ca.pem")',
	);
	const plaintext = new EchoError(
		"E_TLS",
		"TLS with h:1 failed: error:100000df:SSL routines:OPENSSL_internal:UNEXPECTED_MESSAGE",
	);
	expect(toCliError(plaintext).message).toEndWith("(is the server speaking TLS on that port?)");
});

test("a missing Unix socket reads as such", () => {
	const missing = new EchoError("E_CONNECT", "cannot connect to /s: ENOENT", {
		cause: withCode("ENOENT"),
	});
	expect(formatError(toCliError(missing, "/s"))).toBe(
		"echo-client: cannot connect to /s: no such file or socket (E_CONNECT)",
	);
});
