/**
 * `echo-server` that cannot listen: one cause, one line. A port in use, a port that needs
 * privileges, an address this machine does not have, and each Unix socket path problem give the
 * same line on stderr, the same code and the same exit code (3) on every transport (TCP, TLS,
 * UDP; a Unix socket with and without TLS) and with `--workers 2` as in one process; never a
 * stack trace, never `Listening on`. The real command in a child process.
 *
 * The permission cases must run without root's privileges: as root (CI), the server runs under
 * `setpriv`, which drops the capabilities to bind low ports and to write anywhere.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import {
	chmodSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TCPSocketListener, UnixSocketListener, udp } from "bun";
import { makeCertificate, type TestCertificate } from "../packages/core/test/fixtures/tls-cert.ts";
import { BIN, killAll, ServerProcess } from "./fixtures/server/harness.ts";

let dir: string;
let certificate: TestCertificate;

beforeAll(() => {
	// Outside the repository: socket paths must stay short (107 bytes at most).
	dir = mkdtempSync(join(tmpdir(), "echo-listen-"));
	certificate = makeCertificate(dir);
});
afterAll(() => {
	chmodSync(readOnlyDir(), 0o755);
	rmSync(dir, { recursive: true, force: true });
});
afterEach(killAll);

const TRANSPORTS: Record<string, () => string[]> = {
	tcp: () => [],
	tls: () => ["--tls-cert", certificate.cert, "--tls-key", certificate.key],
	udp: () => ["--udp"],
};
const MODES: Record<string, string[]> = {
	"one process": [],
	"--workers 2": ["--workers", "2"],
};

/** A cause of a failed bind on a host and port; `hold` makes it real for one transport. */
interface PortCause {
	name: string;
	/** The `--host` and `--port` to start on, and what to release afterwards. */
	hold(transport: string): Promise<{ host: string; port: number; release(): void }>;
	/** Run without root's privileges. */
	unprivileged?: boolean;
	line(host: string, port: number): string;
}

const PORT_CAUSES: PortCause[] = [
	{
		name: "a port in use (for UDP: only the UDP port)",
		async hold(transport) {
			if (transport === "udp") {
				const socket = await udpPortWithTcpFree();
				return { host: "127.0.0.1", port: socket.port, release: () => socket.close() };
			}
			const busy: TCPSocketListener = Bun.listen({
				hostname: "127.0.0.1",
				port: 0,
				socket: { data() {} },
			});
			return { host: "127.0.0.1", port: busy.port, release: () => busy.stop(true) };
		},
		line: (host, port) => `port ${port} on ${host} is already in use (E_ADDR_IN_USE)`,
	},
	{
		name: "a port that needs privileges, as a user without them",
		hold: async () => ({ host: "127.0.0.1", port: privilegedPort(), release() {} }),
		unprivileged: true,
		line: (host, port) =>
			`cannot listen on ${host}:${port}: permission denied (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability; choose a port from 1024 up) (E_PERMISSION)`,
	},
	{
		name: "an address no interface has (TEST-NET-1)",
		// Only bound, never sent to: the bind fails before any traffic could exist.
		hold: async () => ({ host: "192.0.2.1", port: 40_007, release() {} }),
		line: (host, port) =>
			`cannot listen on ${host}:${port}: no interface of this machine has this address (use one of its own, or 0.0.0.0 or :: for all) (E_ADDR_NOT_AVAILABLE)`,
	},
];

describe("a host and port that cannot be bound: the same line on every transport, alone or with --workers", () => {
	for (const cause of PORT_CAUSES) {
		test(cause.name, async () => {
			const seen: Record<string, Outcome> = {};
			const expected: Record<string, Outcome> = {};
			for (const [transport, transportArgs] of Object.entries(TRANSPORTS)) {
				for (const [mode, modeArgs] of Object.entries(MODES)) {
					const { host, port, release } = await cause.hold(transport);
					try {
						const args = ["--host", host, "--port", `${port}`, ...transportArgs(), ...modeArgs];
						seen[`${transport}, ${mode}`] = await failure(args, cause.unprivileged);
						expected[`${transport}, ${mode}`] = oneLine(cause.line(host, port));
					} finally {
						release();
					}
				}
			}
			expect(seen).toEqual(expected);
		});
	}
});

/** A cause of a failed bind on a Unix socket path. */
interface UnixCause {
	name: string;
	/** The `--unix` path, made what the cause needs, and what to release afterwards. */
	hold(): Promise<{ path: string; release(): void }>;
	unprivileged?: boolean;
	line(path: string): string;
}

const UNIX_CAUSES: UnixCause[] = [
	{
		name: "a socket a running server answers on",
		async hold() {
			const path = join(dir, "live.sock");
			const live: UnixSocketListener<undefined> = Bun.listen({ unix: path, socket: { data() {} } });
			return { path, release: () => live.stop(true) };
		},
		line: (path) => `${path} is already in use by a running server (E_ADDR_IN_USE)`,
	},
	{
		name: "a directory this user may not write to",
		hold: async () => ({ path: join(readOnlyDir(), "s.sock"), release() {} }),
		unprivileged: true,
		line: (path) =>
			`cannot listen on ${path}: permission denied (this user needs write access to ${readOnlyDir()}, and to the socket if one is there) (E_PERMISSION)`,
	},
	{
		name: "a live socket this user may not connect to (left alone)",
		async hold() {
			const path = join(dir, "private.sock");
			const live: UnixSocketListener<undefined> = Bun.listen({ unix: path, socket: { data() {} } });
			chmodSync(path, 0o000);
			return {
				path,
				release() {
					expect(lstatSync(path).isSocket()).toBe(true);
					live.stop(true);
				},
			};
		},
		unprivileged: true,
		line: (path) =>
			`cannot listen on ${path}: permission denied (this user needs write access to ${dir}, and to the socket if one is there) (E_PERMISSION)`,
	},
	{
		name: "a path too long for a socket",
		hold: async () => ({ path: join(dir, "s".repeat(120)), release() {} }),
		line: (path) =>
			`cannot listen on ${path}: the path is too long for a socket (${Buffer.byteLength(path)} bytes, at most 107): choose a shorter one (E_UNIX_PATH)`,
	},
	{
		name: "a directory that does not exist",
		hold: async () => ({ path: join(dir, "missing", "s.sock"), release() {} }),
		line: (path) =>
			`cannot listen on ${path}: the directory ${join(dir, "missing")} does not exist (create it first) (E_UNIX_PATH)`,
	},
	{
		name: "a file where a directory should be",
		async hold() {
			writeFileSync(join(dir, "a-file"), "");
			return { path: join(dir, "a-file", "s.sock"), release() {} };
		},
		line: (path) =>
			`cannot listen on ${path}: a part of ${join(dir, "a-file")} is not a directory (E_UNIX_PATH)`,
	},
	{
		name: "a file that is not a socket (left alone)",
		async hold() {
			const path = join(dir, "precious.txt");
			writeFileSync(path, "precious");
			return {
				path,
				release: () => expect(readFileSync(path, "utf8")).toBe("precious"),
			};
		},
		line: (path) =>
			`cannot listen on ${path}: it exists and is not a socket (remove it, or choose another path) (E_UNIX_PATH)`,
	},
];

const UNIX_TRANSPORTS: Record<string, () => string[]> = {
	unix: TRANSPORTS.tcp as () => string[],
	"unix+tls": TRANSPORTS.tls as () => string[],
};

describe("a Unix socket path that cannot be bound: the same line with and without TLS", () => {
	for (const cause of UNIX_CAUSES) {
		test(cause.name, async () => {
			const seen: Record<string, Outcome> = {};
			const expected: Record<string, Outcome> = {};
			for (const [transport, transportArgs] of Object.entries(UNIX_TRANSPORTS)) {
				const { path, release } = await cause.hold();
				try {
					const args = ["--unix", path, ...transportArgs()];
					seen[transport] = await failure(args, cause.unprivileged);
					expected[transport] = oneLine(cause.line(path));
				} finally {
					release();
				}
			}
			expect(seen).toEqual(expected);
		});
	}
});

/** How a run ended: exit code (or "it listens") and output. */
interface Outcome {
	code: number | string;
	stdout: string;
	stderr: string;
}

/** A failed start as it should be: exit code 3, nothing on stdout, this one line on stderr. */
function oneLine(line: string): Outcome {
	return { code: 3, stdout: "", stderr: `echo-server: ${line}\n` };
}

/**
 * Runs `echo-server` until it exits, and returns its exit code and output. A server that
 * listens instead (the cause was not real here) is stopped and reported as such.
 */
async function failure(args: string[], unprivileged = false): Promise<Outcome> {
	const command = [...(unprivileged ? withoutPrivileges() : []), "bun", BIN];
	const server = new ServerProcess(args, { command });
	const listening = server.waitFor(/Listening on/).then(
		() => true,
		() => false,
	);
	const code = await Promise.race<number | string>([
		server.exited(),
		listening.then(
			(yes): Promise<number | string> => (yes ? Promise.resolve("it listens") : server.exited()),
		),
	]);
	server.kill();
	return { code, stdout: server.stdout, stderr: server.stderr };
}

/**
 * The command prefix that runs a process without root's privileges: none for a normal user;
 * as root, `setpriv` drops the capabilities to bind ports below 1024 (CAP_NET_BIND_SERVICE)
 * and to write where the file modes say no (CAP_DAC_OVERRIDE). It stays uid 0, so it still
 * reads the repository and the certificate.
 */
function withoutPrivileges(): string[] {
	if (process.getuid?.() !== 0) return [];
	const setpriv = Bun.which("setpriv");
	if (!setpriv) {
		throw new Error(
			"these tests run as root and need setpriv (util-linux) to drop root's privileges for the permission cases",
		);
	}
	return [
		setpriv,
		"--inh-caps=-all",
		"--bounding-set=-net_bind_service,-dac_override,-dac_read_search",
	];
}

/** A port below the first one any user may bind (net.ipv4.ip_unprivileged_port_start). */
function privilegedPort(): number {
	let first = 1024;
	try {
		first = Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8"));
	} catch {
		// Not Linux, or no such setting: 1024, as ever.
	}
	if (!(first > 1)) {
		throw new Error(
			`net.ipv4.ip_unprivileged_port_start is ${first}: every port is free to bind here, so the permission case cannot be made real`,
		);
	}
	return Math.min(first, 1024) - 1;
}

/** A directory nobody may create files in (root only with CAP_DAC_OVERRIDE, dropped above). */
function readOnlyDir(): string {
	const path = join(dir, "read-only");
	mkdirSync(path, { recursive: true });
	chmodSync(path, 0o555);
	return path;
}

/** A UDP socket on a port whose TCP side is free, so the server's TCP bind succeeds first. */
async function udpPortWithTcpFree(): Promise<udp.Socket<"buffer">> {
	for (let attempt = 0; attempt < 20; attempt++) {
		const socket = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
		try {
			Bun.listen({ hostname: "127.0.0.1", port: socket.port, socket: { data() {} } }).stop(true);
			return socket;
		} catch {
			socket.close();
		}
	}
	throw new Error("found no port free for TCP whose UDP side could be held");
}
