/**
 * Scale-out behind a real HAProxy (issue 10): the repository's `deploy/haproxy.cfg` in TCP mode in
 * front of three `echo-server --proxy-protocol` processes, clients from many loopback source
 * addresses. Needs the `haproxy` binary (Debian's package; `.ci/run` installs it): without it
 * these tests fail, they do not skip.
 */
import { afterEach, describe, expect, test } from "bun:test";
import {
	arrivals,
	type Backend,
	type Cluster,
	haproxyLog,
	linesFrom,
	logLines,
	showStat,
	startBackend,
	startCluster,
	waitForState,
} from "./fixtures/haproxy.ts";
import { LineClient, loopback } from "./fixtures/line-client.ts";
import { eventually, killAll } from "./fixtures/server/harness.ts";

let cluster: Cluster | undefined;
afterEach(() => {
	killAll(); // HAProxy and every echo-server the test started, even after a failure
	cluster?.remove();
	cluster = undefined;
});

/** Random text for distinct lines: no two clients can send the same bytes. */
const nonce = () => crypto.randomUUID().slice(0, 8);

/** The `Data received` lines every backend logged for `remote`: what that client is owed. */
function owed(backends: Backend[], remote: string): string[] {
	return backends.flatMap((b) => linesFrom(b.server, remote));
}

/**
 * Checks one client: no error (no reset), what came back is a prefix of what it sent (no wrong
 * byte) and is exactly the lines its server read (every byte owed); its address is in exactly one
 * server's `Connected to` lines; with `exact`, it got back all it sent. A failure names the
 * client, its `phase` (which group of the test it is in) and HAProxy's log lines for it.
 */
function expectServed(client: LineClient, backends: Backend[], phase: string, exact = false): void {
	const remote = client.local;
	const who = {
		remote,
		phase,
		haproxy: cluster ? haproxyLog(cluster.haproxy, remote) : [],
	};
	expect({ ...who, error: client.error?.message ?? null }).toEqual({ ...who, error: null });
	expect({ ...who, prefix: client.sent.startsWith(client.received) }).toEqual({
		...who,
		prefix: true,
	});
	if (exact)
		expect({ ...who, received: client.received }).toEqual({ ...who, received: client.sent });
	const received = client.received.replace(/\n$/, "");
	expect({ ...who, lines: received === "" ? [] : received.split("\n") }).toEqual({
		...who,
		lines: owed(backends, remote),
	});
	const servedBy = backends.filter((b) => arrivals(b.server).includes(remote));
	expect({ ...who, servedBy: servedBy.length }).toEqual({ ...who, servedBy: 1 });
}

/**
 * Waits (at most 10 s, then returns: the checks judge) until the backends' logs, read from their
 * stdout pipes, have caught up with what `clients` saw: each one that got bytes back has its
 * `Connected to` line and a `Data received` line for each line it got. A client's reply can
 * arrive before its server's log line has come through the pipe.
 */
async function logsCaughtUp(clients: LineClient[], backends: Backend[]): Promise<void> {
	const caughtUp = (c: LineClient) => {
		const lines = c.received.split("\n").length - 1;
		if (lines === 0) return true;
		return (
			backends.some((b) => arrivals(b.server).includes(c.local)) &&
			owed(backends, c.local).length >= lines
		);
	};
	for (let waited = 0; waited < 10_000 && !clients.every(caughtUp); waited += 50) {
		await Bun.sleep(50);
	}
}

/** Opens `count` clients from 127.`group`.x.y and waits until every one is connected. */
async function connectMany(port: number, group: number, count: number, first = 1) {
	const clients = Array.from(
		{ length: count },
		(_, i) => new LineClient(port, loopback(group, first + i)),
	);
	await Promise.all(clients.map((c) => c.connected));
	return clients;
}

describe("behind HAProxy (deploy/haproxy.cfg)", () => {
	test("200 clients, each from its own source address, get exactly their bytes back; the servers log those addresses", async () => {
		cluster = await startCluster();
		const { backends } = cluster;
		// 127.0.0.2 … 127.0.0.201
		const clients = await connectMany(cluster.port, 0, 200, 2);
		for (const [i, c] of clients.entries()) {
			for (let k = 0; k < 10; k++) c.send(`client ${i} line ${k} ${nonce()}\n`);
		}
		// All 200 are open at once before any ends, so HAProxy spreads them over the three.
		await Promise.all(clients.map((c) => c.waitForBytes(c.sent.length)));
		await Promise.all(clients.map((c) => c.finish()));

		for (const c of clients) {
			expect(c.received).toBe(c.sent);
			expectServed(c, backends, "one of 200");
		}
		// Health checks are not logged: every arrival is a client, none shows HAProxy's address.
		const seen = backends.flatMap((b) => arrivals(b.server));
		expect(seen.map((r) => r.replace(/:\d+$/, "")).sort()).toEqual(
			clients.map((_, i) => `127.0.0.${i + 2}`).sort(),
		);
		// Each server took a share: HAProxy balanced, the servers saw the clients, not HAProxy.
		for (const b of backends) expect(arrivals(b.server).length).toBeGreaterThan(0);
		const bytes = clients.reduce((sum, c) => sum + c.sent.length, 0);
		console.log(`HAProxy: ${clients.length} clients, ${bytes} bytes each way, all exact`);
	}, 30_000);

	test("health checks carry a PROXY header (v2 LOCAL) and are echoed, but never logged, let alone as errors", async () => {
		cluster = await startCluster(["--metrics-port", "0"]);
		const c = cluster;
		for (const b of c.backends) {
			const match = await b.server.waitFor(/Metrics on (http:\/\/[^/\s"]+)\/metrics/);
			// No client has connected: every connection a server accepted was a health check.
			// Wait for three each (UP needed two good ones: "expect string" got its line back).
			const checks = await eventually(async () => {
				const text = await (await fetch(`${match[1]}/metrics`)).text();
				const count = Number(
					/^echokit_connections_accepted_total\{transport="tcp"\} (\d+)/m.exec(text)?.[1],
				);
				return count >= 3 ? count : undefined;
			}, `three health checks on ${b.name}`);
			expect(checks).toBeGreaterThanOrEqual(3);
			// The last finished check passed at layer 7 (its line came back), whether or not the
			// next one is under way at this moment.
			const state = (await showStat(c.stats)).get(b.name);
			expect({ status: state?.status, checkStatus: state?.checkStatus }).toEqual({
				status: "UP",
				checkStatus: "L7OK",
			});
			// Answered, but out of the transcript, and no warning ("no PROXY header").
			expect(arrivals(b.server)).toEqual([]);
			expect(
				logLines(b.server).filter((l) => String(l.message).startsWith("Data received")),
			).toEqual([]);
			expect(b.server.stderr).toBe("");
		}
		expect(c.haproxy.stderr).not.toMatch(/is DOWN/);
	}, 30_000);

	test("SIGTERM to one backend under load: its clients get every byte and a FIN, HAProxy marks it down, new clients go to the others; back, it is marked up", async () => {
		cluster = await startCluster();
		const { backends } = cluster;
		const [stopped, ...others] = backends as [Backend, Backend, Backend];

		// Load: 60 clients from 127.1.x.y, each sending a line every 20 ms until the server ends it
		// or the test stops the load.
		const load = await connectMany(cluster.port, 1, 60);
		let stopLoad = false;
		const sending = load.map(async (c, i) => {
			for (let k = 0; k < 1500 && !stopLoad && c.send(`load ${i} line ${k} ${nonce()}\n`); k++) {
				await Bun.sleep(20);
			}
		});
		await Promise.all(load.map((c) => c.waitForBytes(1)));
		await logsCaughtUp(load, backends);
		const onStopped = load.filter((c) => arrivals(stopped.server).includes(c.local));
		// leastconn spread the 60 over the three; if not, say how, and what HAProxy saw.
		expect({
			onStopped: onStopped.length > 0,
			perServer: backends.map((b) => arrivals(b.server).length),
			haproxy: cluster.haproxy.stderr.split("\n").filter((l) => / is (UP|DOWN)/.test(l)),
		}).toMatchObject({ onStopped: true });

		const signalled = performance.now();
		stopped.server.signal("SIGTERM");
		// Clients arriving while HAProxy has not noticed yet: the stopping server still accepts
		// and serves them (--shutdown-delay) while failing HAProxy's checks; none may lose a byte.
		const early: LineClient[] = [];
		let noticed = false;
		const trickle = (async () => {
			for (let n = 1; n <= 100 && !noticed; n++) {
				const c = new LineClient(cluster.port, loopback(2, n));
				early.push(c);
				await c.connected;
				c.send(`early ${n} ${nonce()}\n`);
				c.socket.end();
				await Bun.sleep(25);
			}
		})();
		await waitForState(cluster, stopped.name, "DOWN");
		const downMs = performance.now() - signalled;
		noticed = true;
		await trickle;
		// Marked down by its failing checks while its listener was still open (a refused check,
		// "Layer4 connection problem", would mean clients could have met the closing listener).
		const down = new RegExp(`Server echo_servers/${stopped.name} is DOWN, reason: ([^,]*)`);
		expect(cluster.haproxy.stderr).toMatch(down);
		expect(down.exec(cluster.haproxy.stderr)?.[1]).not.toMatch(/Layer4/);

		// New clients after the mark: all to the two others.
		const late = await connectMany(cluster.port, 3, 30);
		for (const [i, c] of late.entries()) c.send(`late ${i} ${nonce()}\n`);
		await Promise.all(late.map((c) => c.finish()));
		await Promise.all(early.map((c) => c.closed));

		// The stopped server drains (--drain-timeout 2): it ends its clients after their replies.
		expect(await stopped.server.exited()).toBe(0);
		for (const c of onStopped) {
			await c.closed;
			expect({ client: c.local, fin: c.peerEnded }).toEqual({ client: c.local, fin: true });
		}
		stopLoad = true;
		await Promise.all(sending);
		await Promise.all(load.map((c) => c.finish()));

		await logsCaughtUp([...load, ...early, ...late], backends);
		for (const c of load) expectServed(c, backends, "load");
		for (const c of early) expectServed(c, backends, "early", true);
		for (const c of late) expectServed(c, backends, "late", true);
		for (const c of late) {
			expect(others.some((b) => arrivals(b.server).includes(c.local))).toBe(true);
		}
		for (const b of backends) expect(b.server.stderr).not.toMatch(/PROXY header/);

		// Back on the same port: HAProxy's checks find it and mark it up; clients reach it again.
		const restarted = { ...stopped, ...(await startBackend(stopped.port)) };
		const upMs = await waitForState(cluster, stopped.name, "UP");
		const again = await connectMany(cluster.port, 4, 9);
		for (const [i, c] of again.entries()) c.send(`again ${i} ${nonce()}\n`);
		await Promise.all(again.map((c) => c.waitForBytes(c.sent.length)));
		await Promise.all(again.map((c) => c.finish()));
		const all = [restarted, ...others];
		await logsCaughtUp(again, all);
		for (const c of again) {
			expect(c.received).toBe(c.sent);
			expectServed(c, all, "again");
		}
		expect(again.some((c) => arrivals(restarted.server).includes(c.local))).toBe(true);
		expect(restarted.server.stderr).toBe("");

		const bytes = load.reduce((sum, c) => sum + c.received.length, 0);
		console.log(
			`HAProxy: ${load.length} load clients (${onStopped.length} on the stopped server), ${bytes} bytes echoed; ` +
				`${early.length} clients during the stop, ${late.length} after; ` +
				`marked DOWN ${Math.round(downMs)} ms after SIGTERM, UP ${Math.round(upMs)} ms after the restart`,
		);
	}, 45_000);
});
