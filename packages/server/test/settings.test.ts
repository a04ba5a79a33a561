import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import type { LoadedConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { serverOptions } from "../src/serve.ts";
import { DEFAULTS, resolveSettings } from "../src/settings.ts";
import type { EchoConfig } from "../src/types.ts";
import { usageMessage } from "./usage-error.ts";

const loaded = (values: EchoConfig): LoadedConfig => ({
	file: "/etc/echo/echo.config.ts",
	dir: "/etc/echo",
	values,
});

describe("resolveSettings: limits, transports, workers", () => {
	test("the documented defaults", () => {
		expect(DEFAULTS).toMatchObject({
			idleTimeout: 300,
			maxMessageBytes: 1048576,
			highWaterMark: 1048576,
			udp: false,
			workers: 1,
		});
		const settings = resolveSettings({}, null, "/cwd");
		// No --max-connections, no maxConnections: core derives it from the open-file limit.
		expect(settings.maxConnections).toBeUndefined();
		expect(
			"maxConnections" in
				serverOptions(settings, {
					plugins: [],
					logger: createLogger({ level: "silent", json: false }),
				}),
		).toBe(false);
		expect(settings.unix).toBeUndefined();
		expect(settings.tls).toBeUndefined();
	});

	test("config keys over defaults, flags over config", () => {
		const config = loaded({
			maxConnections: 10,
			idleTimeout: 1.5,
			maxMessageBytes: 64,
			highWaterMark: 4096,
			udp: true,
			workers: 3,
		});
		expect(resolveSettings({}, config, "/cwd")).toMatchObject({
			maxConnections: 10,
			idleTimeout: 1.5,
			maxMessageBytes: 64,
			highWaterMark: 4096,
			udp: true,
			workers: 3,
		});
		const flags = {
			maxConnections: 2,
			idleTimeout: 0,
			maxMessageBytes: 100,
			highWaterMark: 1,
			udp: false,
			workers: 1,
		};
		expect(resolveSettings(flags, config, "/cwd")).toMatchObject(flags);
	});

	test("the config's old maxLineBytes still counts", () => {
		expect(resolveSettings({}, loaded({ maxLineBytes: 8 }), "/cwd").maxMessageBytes).toBe(8);
	});

	test("workers auto: one per core", () => {
		expect(resolveSettings({ workers: "auto" }, null, "/cwd").workers).toBe(availableParallelism());
	});

	test("TLS paths: flags as given, the config's from its folder; flags replace the pair", () => {
		const config = loaded({ tls: { cert: "certs/c.pem", key: "/abs/k.pem" } });
		expect(resolveSettings({}, config, "/cwd").tls).toEqual({
			cert: "/etc/echo/certs/c.pem",
			key: "/abs/k.pem",
		});
		const flags = { tlsCert: "mine.pem", tlsKey: "mine-key.pem" };
		expect(resolveSettings(flags, config, "/cwd").tls).toEqual({
			cert: "mine.pem",
			key: "mine-key.pem",
		});
	});

	test("--unix replaces the config's host/port; --port replaces the config's unix", () => {
		const tcp = loaded({ host: "0.0.0.0", port: 7000 });
		expect(resolveSettings({ unix: "e.sock" }, tcp, "/cwd").unix).toBe("e.sock");
		const unix = loaded({ unix: "run/echo.sock" });
		expect(resolveSettings({}, unix, "/cwd").unix).toBe("/etc/echo/run/echo.sock");
		const settings = resolveSettings({ port: 9000 }, unix, "/cwd");
		expect(settings.unix).toBeUndefined();
		expect(settings.port).toBe(9000);
	});

	test("two of the server's own listeners on one fixed port: E_USAGE naming both, not 'already in use'", () => {
		expect(usageMessage(() => resolveSettings({ port: 9000, wsPort: 9000 }, null, "/cwd"))).toBe(
			"--port and --ws-port are both port 9000: each listener needs a port of its own",
		);
		expect(
			usageMessage(() => resolveSettings({ wsPort: 9001, metricsPort: 9001 }, null, "/cwd")),
		).toBe(
			"--ws-port and --metrics-port are both port 9001: each listener needs a port of its own",
		);
		expect(
			usageMessage(() =>
				resolveSettings({ host: "0.0.0.0", port: 9002, metricsPort: 9002 }, null, "/cwd"),
			),
		).toContain("--port and --metrics-port are both port 9002");
		// Different addresses, port 0, and UDP beside TCP are no clash.
		const apart = { host: "127.0.0.2", port: 9003, metricsPort: 9003, metricsHost: "127.0.0.1" };
		expect(resolveSettings(apart, null, "/cwd").metricsPort).toBe(9003);
		expect(resolveSettings({ port: 0, wsPort: 0, metricsPort: 0 }, null, "/cwd").wsPort).toBe(0);
		expect(resolveSettings({ port: 9004, udp: true }, null, "/cwd").udp).toBe(true);
	});

	test("PROXY protocol settings that do not go together: named as given, before core sees them", () => {
		expect(usageMessage(() => resolveSettings({ proxyFrom: ["10.0.0.0/8"] }, null, "/cwd"))).toBe(
			"--proxy-from lists the proxies trusted to send a PROXY header: it needs --proxy-protocol",
		);
		const tls = loaded({ proxyProtocol: true, tls: { cert: "c.pem", key: "k.pem" } });
		expect(usageMessage(() => resolveSettings({}, tls, "/cwd"))).toContain(
			"echo.config.ts cannot be used with TLS (tls in ../etc/echo/echo.config.ts)",
		);
		const unix = { proxyProtocol: true, proxyFrom: ["10.0.0.0/8"], unix: "/tmp/e.sock" };
		expect(usageMessage(() => resolveSettings(unix, null, "/cwd"))).toContain(
			"--proxy-from cannot be used with --unix",
		);
	});

	test("a flag and the config that clash: a usage error naming both", () => {
		const clash = usageMessage;
		const unix = loaded({ unix: "/run/echo.sock" });
		expect(clash(() => resolveSettings({ udp: true }, unix, "/etc/echo"))).toBe(
			"--udp needs a port: it cannot be used with unix in echo.config.ts",
		);
		expect(clash(() => resolveSettings({ workers: 2 }, unix, "/cwd"))).toContain(
			"--workers shares a TCP port: it cannot be used with unix in ",
		);
		expect(clash(() => resolveSettings({ unix: "/s" }, loaded({ udp: true }), "/cwd"))).toContain(
			"udp in ",
		);
	});
});

describe("serverOptions: what core gets", () => {
	const logger = createLogger({ level: "silent", json: false });
	const base = resolveSettings({ port: 0, quiet: true }, null, "/cwd");

	test("limits in core's units; no reusePort outside workers", () => {
		const options = serverOptions(
			{ ...base, idleTimeout: 0.3, maxConnections: 2, maxMessageBytes: 100, highWaterMark: 4096 },
			{ plugins: [], logger },
		);
		expect(options).toMatchObject({
			hostname: "127.0.0.1",
			port: 0,
			idleTimeoutMs: 300,
			maxConnections: 2,
			maxLineBytes: 100,
			highWaterMark: 4096,
			udp: false,
			plugins: [],
		});
		expect(options.reusePort).toBeUndefined();
	});

	test("idle timeout: 0 stays never, a tiny one is at least 1 ms", () => {
		const ms = (idleTimeout: number) =>
			serverOptions({ ...base, idleTimeout }, { plugins: [], logger }).idleTimeoutMs;
		expect(ms(0)).toBe(0);
		expect(ms(0.0001)).toBe(1);
		expect(ms(1.1)).toBe(1100);
		expect(ms(300)).toBe(300_000);
	});

	test("a worker binds with reusePort; only worker 1 serves UDP", () => {
		const udp = { ...base, udp: true };
		expect(serverOptions(udp, { plugins: [], logger, worker: 1 })).toMatchObject({
			reusePort: true,
			udp: true,
		});
		expect(serverOptions(udp, { plugins: [], logger, worker: 2 })).toMatchObject({
			reusePort: true,
			udp: false,
		});
	});

	test("a Unix socket: the path, no host or port", () => {
		const options = serverOptions({ ...base, unix: "/tmp/e.sock" }, { plugins: [], logger });
		expect(options.unix).toBe("/tmp/e.sock");
		expect(options.hostname).toBeUndefined();
		expect(options.port).toBeUndefined();
	});

	test("the transcript plugin comes first unless quiet", () => {
		const unseen = serverOptions(
			{ ...base, quiet: false, logLevel: "warn" },
			{ plugins: [], logger },
		);
		expect(unseen.plugins).toEqual([]); // below info nobody sees it: left out
		const info = createLogger({ level: "info", json: false });
		const shown = serverOptions({ ...base, quiet: false }, { plugins: [], logger: info });
		expect(shown.plugins?.map((plugin) => plugin.name)).toEqual(["echo-server:log"]);
	});
});
