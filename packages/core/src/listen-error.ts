/**
 * Why a server could not listen, as one {@link EchoError} per cause whatever the transport: a
 * port in use is `E_ADDR_IN_USE` with the same words for TCP, TLS and UDP, and so is a socket
 * path a running server holds. Every bind path (the stream listener, the UDP socket, the Unix
 * socket checks) turns its failure into an error here, so no transport words a cause its own way.
 *
 * - EADDRINUSE → `E_ADDR_IN_USE` (a port, a socket path a server answers on)
 * - EACCES, EPERM → `E_PERMISSION` (a port below 1024, a directory this user may not write)
 * - EADDRNOTAVAIL, EAFNOSUPPORT, a host name that resolves to no address here → `E_ADDR_NOT_AVAILABLE`
 * - ENAMETOOLONG, ENOENT, ENOTDIR, ENOTSOCK (a file that is no socket) → `E_UNIX_PATH`
 * - anything else → `E_LISTEN`, with the system's code
 */

import { isIP } from "node:net";
import { dirname } from "node:path";
import { hostPort } from "./address.ts";
import { EchoError, type EchoErrorCode } from "./errors.ts";

/** What was being bound: a host and port (TCP, TLS, UDP), or a Unix socket path. */
export type ListenTarget =
	| { readonly host: string; readonly port: number }
	| { readonly unix: string };

/** The longest Unix socket path the kernel takes, in bytes: `sun_path` less its NUL. */
export const MAX_UNIX_PATH_BYTES = process.platform === "linux" ? 107 : 103;

/**
 * The error for a failed bind of `target`. `error` is what the bind threw (its `code`, such as
 * `EADDRINUSE`, decides); `code` names the cause instead when a check of ours found it
 * (`ENOTSOCK` for a file that is not a socket, `EADDRINUSE` for a socket a server answers on).
 * @example
 * listenError({ host: "127.0.0.1", port: 80 }, bunError).message;
 * // "cannot listen on 127.0.0.1:80: permission denied (ports below 1024 need root or the
 * //  CAP_NET_BIND_SERVICE capability; choose a port from 1024 up)"
 */
export function listenError(
	target: ListenTarget,
	error: unknown,
	code: string | undefined = systemCode(error),
): EchoError {
	const [echoCode, message] =
		"unix" in target ? unixCause(target.unix, code) : netCause(target.host, target.port, code);
	const reason =
		message ??
		(code ? `system error ${code}` : error instanceof Error ? error.message : String(error));
	const where = "unix" in target ? target.unix : hostPort(target.host, target.port);
	const text = echoCode === "E_ADDR_IN_USE" ? reason : `cannot listen on ${where}: ${reason}`;
	return new EchoError(echoCode, text, error === undefined ? undefined : { cause: error });
}

/**
 * Throws `E_UNIX_PATH` when `path` is longer than a socket address holds: the kernel would say
 * only `EINVAL`, which names no cause.
 */
export function checkUnixPath(path: string): void {
	if (Buffer.byteLength(path) > MAX_UNIX_PATH_BYTES) {
		throw listenError({ unix: path }, undefined, "ENAMETOOLONG");
	}
}

/** `[code, reason]` for a host and port; no reason when the system's code must do. */
function netCause(host: string, port: number, code: string | undefined): Cause {
	switch (code) {
		case "EADDRINUSE":
			return ["E_ADDR_IN_USE", `port ${port} on ${host} is already in use`];
		case "EACCES":
		case "EPERM":
			return [
				"E_PERMISSION",
				port > 0 && port < 1024
					? "permission denied (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability; choose a port from 1024 up)"
					: "permission denied",
			];
		case "EADDRNOTAVAIL":
			return [
				"E_ADDR_NOT_AVAILABLE",
				"no interface of this machine has this address (use one of its own, or 0.0.0.0 or :: for all)",
			];
		case "EAFNOSUPPORT":
			return [
				"E_ADDR_NOT_AVAILABLE",
				"this machine does not support this address family (is IPv6 turned off?)",
			];
		case undefined:
		case "ENOENT":
		case "ENOTFOUND":
			// Bun names no cause when a host name fails (TCP), or says ENOENT (UDP).
			if (!isIpLiteral(host)) {
				return [
					"E_ADDR_NOT_AVAILABLE",
					`the name ${host} does not resolve, or not to an address of this machine`,
				];
			}
			return ["E_LISTEN", undefined];
		default:
			return ["E_LISTEN", undefined];
	}
}

/** `[code, reason]` for a Unix socket path. */
function unixCause(path: string, code: string | undefined): Cause {
	const dir = dirname(path);
	switch (code) {
		case "EADDRINUSE":
			return ["E_ADDR_IN_USE", `${path} is already in use by a running server`];
		case "EACCES":
		case "EPERM":
			return [
				"E_PERMISSION",
				`permission denied (this user needs write access to ${dir}, and to the socket if one is there)`,
			];
		case "ENAMETOOLONG":
			return [
				"E_UNIX_PATH",
				`the path is too long for a socket (${Buffer.byteLength(path)} bytes, at most ${MAX_UNIX_PATH_BYTES}): choose a shorter one`,
			];
		case "ENOENT":
			return ["E_UNIX_PATH", `the directory ${dir} does not exist (create it first)`];
		case "ENOTDIR":
			return ["E_UNIX_PATH", `a part of ${dir} is not a directory`];
		case "ENOTSOCK":
			return ["E_UNIX_PATH", "it exists and is not a socket (remove it, or choose another path)"];
		default:
			return ["E_LISTEN", undefined];
	}
}

type Cause = [EchoErrorCode, string | undefined];

function systemCode(error: unknown): string | undefined {
	const code = (error as { code?: unknown } | null)?.code;
	return typeof code === "string" ? code : undefined;
}

/** An IPv4 or IPv6 literal, not a name to resolve. */
function isIpLiteral(host: string): boolean {
	return isIP(host) !== 0;
}
