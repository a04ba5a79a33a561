/**
 * Settings from environment variables, as a container or service manager gives them: the real
 * `echo-server` in a child process with `ECHO_SERVER_*` set. Precedence: flags, then the
 * environment, then the config file.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import {
	client,
	decoder,
	exchange,
	killAll,
	runServer,
	ServerProcess,
	scratchDir,
} from "./fixtures/server/harness.ts";

afterEach(killAll);

const scratch = scratchDir();
/** A loopback port this test holds, so a server that tries to bind it fails and names it. */
let busy: TCPSocketListener;

beforeAll(() => {
	busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
});
afterAll(() => {
	busy.stop(true);
	scratch.remove();
});

test("ECHO_SERVER_PORT=0 and ECHO_SERVER_FRAMING=lines reach the server", async () => {
	const server = new ServerProcess([], {
		env: { ECHO_SERVER_PORT: "0", ECHO_SERVER_FRAMING: "lines" },
	});
	const port = await server.listening();
	expect(port).toBeGreaterThan(0);
	const c = await client(port);
	c.write("a\nb\n");
	let echoed = "";
	while (echoed.length < 4) echoed += decoder.decode((await c.read()) ?? undefined);
	expect(echoed).toBe("a\nb\n");
	// Two lines, two messages: raw framing would have logged one `a\nb\n`.
	await server.waitFor(/Data received: b\n/);
	expect(server.lines.slice(-2)).toEqual(["Data received: a", "Data received: b"]);
});

test("an invalid variable: one line naming it, E_USAGE, exit 2", async () => {
	const { code, stdout, stderr } = await runServer([], {
		env: { ECHO_SERVER_PORT: "0", ECHO_SERVER_IDLE_TIMEOUT: "5m" },
	});
	expect(code).toBe(2);
	expect(stdout).toBe("");
	expect(stderr).toBe(
		'echo-server: invalid ECHO_SERVER_IDLE_TIMEOUT "5m": expected a number of seconds, 0 or more (0 = never; fractions like 0.5 allowed) (E_USAGE)\n',
	);
});

test("a misspelled variable is an error, as a misspelled flag is: it would start on the default port", async () => {
	const { code, stdout, stderr } = await runServer([], { env: { ECHO_SERVER_PROT: "0" } });
	expect(code).toBe(2);
	expect(stdout).toBe("");
	expect(stderr).toBe(
		"echo-server: unknown variable ECHO_SERVER_PROT (did you mean ECHO_SERVER_PORT?); see --help (E_USAGE)\n",
	);
});

test("the variables Kubernetes adds for a Service named echo-server are not settings: ignored, not E_USAGE", async () => {
	// What a pod gets for deploy/kubernetes/service.yaml (Docker-links style), next to its own.
	const links = {
		ECHO_SERVER_SERVICE_HOST: "10.96.12.34",
		ECHO_SERVER_SERVICE_PORT: "8888",
		ECHO_SERVER_SERVICE_PORT_ECHO: "8888",
		ECHO_SERVER_SERVICE_PORT_ECHO_UDP: "8888",
		ECHO_SERVER_PORT_8888_TCP: "tcp://10.96.12.34:8888",
		ECHO_SERVER_PORT_8888_TCP_PROTO: "tcp",
		ECHO_SERVER_PORT_8888_TCP_PORT: "8888",
		ECHO_SERVER_PORT_8888_TCP_ADDR: "10.96.12.34",
		ECHO_SERVER_PORT_8888_UDP: "udp://10.96.12.34:8888",
	};
	// With the pod's own ECHO_SERVER_PORT (a container's env wins over the links)…
	const own = new ServerProcess([], { env: { ...links, ECHO_SERVER_PORT: "0" } });
	expect(await exchange(await own.listening(), "in a pod")).toBe("in a pod");
	// …and without: ECHO_SERVER_PORT=tcp://… is the Service's address, never a port.
	const linked = new ServerProcess(["--port", "0"], {
		env: { ...links, ECHO_SERVER_PORT: "tcp://10.96.12.34:8888" },
	});
	expect(await exchange(await linked.listening(), "linked")).toBe("linked");
	// A real setting still gets its check: a port that is not a link URL is invalid.
	const bad = await runServer([], { env: { ...links, ECHO_SERVER_PORT: "http://x:1" } });
	expect(bad.code).toBe(2);
	expect(bad.stderr).toContain('invalid ECHO_SERVER_PORT "http://x:1"');
});

test("ECHO_SERVER_JSON=true: even a usage error is a JSON line", async () => {
	const { code, stderr } = await runServer(["--prot", "1"], { env: { ECHO_SERVER_JSON: "true" } });
	expect(code).toBe(2);
	expect(JSON.parse(stderr)).toMatchObject({ level: "error", code: "E_USAGE", exitCode: 2 });
});

test("precedence: the flag over the variable over the config file (ECHO_SERVER_CONFIG names it)", async () => {
	const taken = `${busy.port}`;
	const inUse = `port ${taken} on 127.0.0.1 is already in use`;
	const busyFile = scratch.write("busy.config.json", JSON.stringify({ port: busy.port }));
	const freeFile = scratch.write("free.config.json", JSON.stringify({ port: 0 }));

	// The file alone decides: its port is taken.
	const file = await runServer([], { env: { ECHO_SERVER_CONFIG: busyFile } });
	expect(file.code).toBe(3);
	expect(file.stderr).toContain(inUse);

	// The variable over the file: both ways round.
	const envOverFile = new ServerProcess([], {
		env: { ECHO_SERVER_CONFIG: busyFile, ECHO_SERVER_PORT: "0" },
	});
	expect(await envOverFile.listening()).not.toBe(busy.port);
	const envTaken = await runServer([], {
		env: { ECHO_SERVER_CONFIG: freeFile, ECHO_SERVER_PORT: taken },
	});
	expect(envTaken.code).toBe(3);
	expect(envTaken.stderr).toContain(inUse);

	// The flag over the variable (and --config over ECHO_SERVER_CONFIG).
	const flagOverEnv = new ServerProcess(["--port", "0", "--config", freeFile], {
		env: { ECHO_SERVER_CONFIG: busyFile, ECHO_SERVER_PORT: taken },
	});
	expect(await flagOverEnv.listening()).not.toBe(busy.port);
	const flagTaken = await runServer(["--port", taken], { env: { ECHO_SERVER_PORT: "0" } });
	expect(flagTaken.code).toBe(3);
	expect(flagTaken.stderr).toContain(inUse);
});
