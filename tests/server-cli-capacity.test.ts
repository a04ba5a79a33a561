/**
 * `echo-server` with default settings serves as many connections at once as the open-file limit
 * allows: the default `--max-connections` comes from that limit (it was a fixed 1024, which
 * turned the 1025th client away). The real command under `ulimit -n`, 10,000 clients at once
 * from this process, each sending its own bytes.
 */
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Socket } from "bun";
import { BIN, killAll, ServerProcess } from "./fixtures/server/harness.ts";

afterEach(killAll);

/** The clients wanted; fewer only where the hard limit cannot hold them (then the name says so). */
const WANTED = 10_000;
/** The server's limit: enough for {@link WANTED} and the reserve, if the hard limit allows. */
const SERVER_LIMIT = Math.min(hardLimit(), 20_000);
/** What the server's default must be at that limit: the limit less 32 and 5 % of it. */
const SERVER_DEFAULT = SERVER_LIMIT - 32 - Math.ceil(SERVER_LIMIT / 20);
/** This process holds one descriptor per client; Bun raised its soft limit to the hard one. */
const CLIENTS = Math.max(1, Math.min(WANTED, SERVER_DEFAULT, ownLimit() - 500));
const title =
	CLIENTS === WANTED
		? `${CLIENTS} concurrent clients with default settings (ulimit -n ${SERVER_LIMIT}): every one answered, none refused`
		: `${CLIENTS} concurrent clients (not 10000: the hard open-file limit here is ${hardLimit()}) with default settings: every one answered, none refused`;

test(title, async () => {
	const command = [
		"bash",
		"-c",
		`ulimit -n ${SERVER_LIMIT} && exec "$@"`,
		"echo-server",
		"bun",
		BIN,
	];
	const server = new ServerProcess(["--port", "0", "--log-level", "debug"], { command });
	const port = await server.listening();

	const clients: Client[] = [];
	// Opened in batches, so the listen backlog never overflows (a dropped SYN is retried only
	// after a second); none is closed until all have been answered: all are open at once.
	for (let start = 0; start < CLIENTS; start += BATCH) {
		const batch = Array.from({ length: Math.min(BATCH, CLIENTS - start) }, (_, i) =>
			openClient(port, `client ${start + i};`),
		);
		clients.push(...(await Promise.all(batch)));
	}
	await Promise.all(clients.map((client) => client.answered));
	const unanswered = clients.filter((client) => client.received !== client.sent);
	const refused = clients.filter((client) => client.closedEarly);
	expect({
		unanswered: unanswered.length,
		refused: refused.length,
		first: unanswered[0]?.sent,
	}).toEqual({
		unanswered: 0,
		refused: 0,
		first: undefined,
	});
	expect(server.stderr).not.toContain("refusing");
	for (const client of clients) client.socket.end();
	// The default in use, from the limit, printed at debug level.
	const [, chosen] = await server.waitFor(
		/maxConnections (\d+) \(the default: the open-file limit (\d+)/,
		"stderr",
	);
	expect(Number(chosen)).toBe(SERVER_DEFAULT);
}, 60_000);

const BATCH = 500;

interface Client {
	readonly socket: Socket<undefined>;
	readonly sent: string;
	received: string;
	/** The server closed it before it was answered (refused, or reset). */
	closedEarly: boolean;
	/** Resolves once the whole reply came, or the connection ended without it. */
	readonly answered: Promise<void>;
}

async function openClient(port: number, text: string): Promise<Client> {
	const done = Promise.withResolvers<void>();
	const client = { sent: text, received: "", closedEarly: false, answered: done.promise } as Client;
	const decoder = new TextDecoder();
	const socket = await Bun.connect({
		hostname: "127.0.0.1",
		port,
		socket: {
			data(_socket, chunk) {
				client.received += decoder.decode(chunk, { stream: true });
				if (client.received.length >= text.length) done.resolve();
			},
			close() {
				if (client.received !== text) client.closedEarly = true;
				done.resolve();
			},
			error() {
				client.closedEarly = true;
				done.resolve();
			},
		},
	});
	Object.assign(client, { socket });
	socket.write(text);
	return client;
}

/** The hard open-file limit of processes started from here (`ulimit -Hn`). */
function hardLimit(): number {
	const text = Bun.spawnSync(["bash", "-c", "ulimit -Hn"]).stdout.toString().trim();
	return text === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(text);
}

/** This process's soft open-file limit. */
function ownLimit(): number {
	const match = readFileSync("/proc/self/limits", "utf8").match(/^Max open files\s+(\d+)/m);
	return Number(match?.[1]);
}
