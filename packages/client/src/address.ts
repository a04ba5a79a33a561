/**
 * Server addresses as people write them: `--host ::1` or `--host [::1]` (the brackets of
 * `[::1]:8888`), and `host:port` in messages with an IPv6 address in brackets.
 * @module
 */

/** `[::1]` → `::1`; anything else unchanged. */
export function bareHost(host: string): string {
	return host.startsWith("[") && host.endsWith("]") && host.includes(":")
		? host.slice(1, -1)
		: host;
}

/**
 * `HOST:PORT`, with an IPv6 address in brackets.
 * @example
 * hostPort("::1", 8888); // "[::1]:8888"
 */
export function hostPort(host: string, port: number): string {
	const bare = bareHost(host);
	return bare.includes(":") ? `[${bare}]:${port}` : `${bare}:${port}`;
}
