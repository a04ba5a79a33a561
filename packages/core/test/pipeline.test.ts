/**
 * The plugin pipeline on real sockets: arrival order with async transforms, a failing plugin
 * closing only its own connection, the three transform results, and the lifecycle hooks.
 */
import { describe, expect, test } from "bun:test";
import {
	type ConnectionInfo,
	connect,
	definePlugin,
	type EchoClient,
	exchangeDatagram,
	NO_REPLY,
	type Plugin,
	startServer,
	type TransformResult,
} from "../src/index.ts";
import {
	decoder,
	encoder,
	randomBytes,
	readAllSlowly,
	recordingLogger,
	waitFor,
} from "./helpers.ts";

/** Sleeps 0–5 ms at random. */
const jitter = () => Bun.sleep(Math.floor(Math.random() * 6));

describe("ordering with async transforms", () => {
	test("random delays keep reply order over many lines on several connections", async () => {
		const shout = definePlugin({
			name: "slow-shout",
			async transform(message) {
				const text = message.text(); // read during the transform: the message object is reused
				await jitter();
				return `${text.toUpperCase()}!`;
			},
		});
		const server = await startServer({ port: 0, framing: "lines", plugins: [shout] });
		try {
			const connections = 5;
			const lines = 150;
			const results = await Promise.all(
				Array.from({ length: connections }, async (_, c) => {
					const client = await connect({ port: server.port });
					const sent = Array.from({ length: lines }, (_, j) => `conn ${c} line ${j}`);
					// All at once: most lines arrive while an earlier one is still in flight.
					client.write(`${sent.join("\n")}\n`);
					await client.end();
					const received = decoder.decode(await client.readAll());
					return { sent, received };
				}),
			);
			for (const { sent, received } of results) {
				expect(received).toBe(sent.map((line) => `${line.toUpperCase()}!\n`).join(""));
			}
		} finally {
			await server.stop();
		}
	});

	test("raw framing: async transforms with random delays keep every byte in order", async () => {
		const invert = definePlugin({
			name: "slow-invert",
			async transform({ bytes }) {
				const out = bytes.map((byte) => byte ^ 0xff); // per byte, so read boundaries do not matter
				await jitter();
				return out;
			},
		});
		const server = await startServer({ port: 0, plugins: [invert] });
		try {
			const data = randomBytes(512 * 1024);
			const client = await connect({ port: server.port });
			for (let offset = 0; offset < data.byteLength; offset += 16 * 1024) {
				client.write(data.subarray(offset, offset + 16 * 1024));
			}
			await client.end();
			const received = await client.readAll();
			expect(Buffer.from(received).equals(data.map((byte) => byte ^ 0xff))).toBe(true);
		} finally {
			await server.stop();
		}
	});
});

describe("a failing plugin closes only its connection", () => {
	const failures = {
		"sync throw": (text: string) => {
			if (text === "boom") throw new Error("sync kaboom");
			return null;
		},
		"async reject": async (text: string) => {
			await jitter();
			if (text === "boom") throw new Error("async kaboom");
			return null;
		},
	};

	for (const [kind, fail] of Object.entries(failures)) {
		test(`${kind}: logged with the plugin's name; other connections and the server carry on`, async () => {
			const logger = recordingLogger();
			let closes = 0;
			// A harmless plugin first, so the log must name the right one of two.
			const first = definePlugin({ name: "first", transform: () => null });
			const boom = definePlugin({
				name: "boom",
				close: () => {
					closes++;
				},
				transform: (message) => fail(message.text()),
			});
			const server = await startServer({
				port: 0,
				framing: "lines",
				plugins: [first, boom],
				logger,
			});
			try {
				const a = await connect({ port: server.port });
				const b = await connect({ port: server.port });
				await a.send("a1\n");
				expect(await readText(a, 3)).toBe("a1\n");

				// b: the reply due before the failure goes out, then b is closed; "after" is never seen.
				b.write("ok\nboom\nafter\n");
				expect(decoder.decode(await b.readAll())).toBe("ok\n");
				await b.closed;

				// a, open all along, still echoes; the server still accepts.
				await a.send("a2\n");
				expect(await readText(a, 3)).toBe("a2\n");
				const c = await connect({ port: server.port });
				await c.send("c1\n");
				expect(await readText(c, 3)).toBe("c1\n");

				await waitFor("b's close hook", () => closes === 1);
				expect(server.connections).toBe(2);
				const errors = logger.lines.filter((line) => line.level === "error");
				expect(errors).toHaveLength(1);
				expect(errors[0]?.message).toContain('plugin "boom"');
				expect(errors[0]?.message).toContain("kaboom");
				a.close();
				c.close();
			} finally {
				await server.stop();
			}
			expect(closes).toBe(3);
		});
	}

	test("the failing connection gets every reply due before the failure, then a clean EOF, while its client is still sending", async () => {
		const logger = recordingLogger();
		const boom = definePlugin({
			name: "boom",
			transform: (message) => {
				if (message.text() === "boom") throw new Error("kaboom");
				return null;
			},
		});
		const server = await startServer({
			port: 0,
			framing: "lines",
			plugins: [boom],
			highWaterMark: 64 * 1024,
			logger,
		});
		try {
			const due = Array.from({ length: 100_000 }, (_, i) => `line ${i}\n`).join(""); // ~1 MiB
			const client = await connect({ port: server.port, highWaterMark: 16 * 1024 });
			// More follows the failing line than the server will ever read: it is still unread
			// in the server's kernel when the server closes.
			client.write(`${due}boom\n${"after\n".repeat(1_000_000)}`);
			const { bytes, error } = await readAllSlowly(client);
			console.log(
				`failing connection: ${bytes.byteLength} of ${due.length} bytes due came back, client saw ${error ? `"${error.message}"` : "a clean EOF"}`,
			);
			expect(bytes.byteLength).toBe(due.length);
			expect(decoder.decode(bytes)).toBe(due);
			expect(error).toBeNull();
			expect(logger.lines.some((l) => l.message.includes('plugin "boom"'))).toBe(true);
		} finally {
			await server.stop();
		}
	});

	test("an open hook that throws closes only that connection, and its close hook does not run", async () => {
		const logger = recordingLogger();
		const closed: number[] = [];
		const picky = definePlugin({
			name: "picky",
			open(connection) {
				if (connection.id === 2) throw new Error("not you");
				return { id: connection.id };
			},
			close: (ctx) => {
				closed.push(ctx.state.id);
			},
		});
		const server = await startServer({ port: 0, plugins: [picky], logger });
		try {
			const one = await connect({ port: server.port });
			await one.send("hi");
			expect(await readText(one, 2)).toBe("hi");
			const two = await connect({ port: server.port });
			expect((await two.readAll()).byteLength).toBe(0); // EOF, nothing else
			await one.send("still");
			expect(await readText(one, 5)).toBe("still");
			expect(logger.lines.some((l) => l.level === "error" && l.message.includes('"picky"'))).toBe(
				true,
			);
			await one.end();
			await one.readAll();
			await waitFor("the close hook", () => closed.length === 1);
			expect(closed).toEqual([1]);
		} finally {
			await server.stop();
		}
	});
});

describe("transform results", () => {
	test("NO_REPLY sends nothing for that message, and later plugins do not see it", async () => {
		const seenLater: string[] = [];
		const dropComments = definePlugin({
			name: "drop-comments",
			transform: (message) => (message.text().startsWith("#") ? NO_REPLY : null),
		});
		const later = definePlugin({
			name: "later",
			transform: (message) => {
				seenLater.push(message.text());
				return null;
			},
		});
		const server = await startServer({
			port: 0,
			framing: "lines",
			plugins: [dropComments, later],
		});
		try {
			expect(await exchange(server.port, "keep\n#drop\nkeep too\n#and the tail")).toBe(
				"keep\nkeep too\n",
			);
			expect(seenLater).toEqual(["keep", "keep too"]);
		} finally {
			await server.stop();
		}
	});

	test("NO_REPLY from an async transform in raw framing: nothing comes back, then EOF", async () => {
		let messages = 0;
		const sink = definePlugin({
			name: "sink",
			// The annotation works around a typing bug covered in types.test.ts: without it,
			// an async transform returning only NO_REPLY infers Promise<symbol> and is rejected.
			async transform(): Promise<TransformResult> {
				messages++;
				await jitter();
				return NO_REPLY;
			},
		});
		const server = await startServer({ port: 0, plugins: [sink] });
		try {
			expect(await exchange(server.port, "x".repeat(100_000))).toBe("");
			expect(messages).toBeGreaterThanOrEqual(1);
		} finally {
			await server.stop();
		}
	});

	test("string and Uint8Array results replace the message and chain through plugins in order", async () => {
		const seenByLast: string[] = [];
		const plugins: Plugin[] = [
			definePlugin({ name: "one", transform: (message) => `${message.text()}-1` }),
			definePlugin({
				name: "two",
				async transform(message) {
					const bytes = Buffer.concat([message.bytes, encoder.encode("-2")]);
					await jitter();
					return new Uint8Array(bytes);
				},
			}),
			definePlugin({ name: "three", transform: (message) => `${message.text()}-3é` }),
			definePlugin({
				name: "last",
				transform: (message) => {
					seenByLast.push(message.text());
					return null; // unchanged: the previous replacement is what goes out
				},
			}),
		];
		const server = await startServer({ port: 0, framing: "lines", plugins });
		try {
			expect(await exchange(server.port, "a\nb\n")).toBe("a-1-2-3é\nb-1-2-3é\n");
			expect(seenByLast).toEqual(["a-1-2-3é", "b-1-2-3é"]);
		} finally {
			await server.stop();
		}
	});

	test("message.writable: only the first transform may change a TCP read in place, never a datagram's", async () => {
		const seen: string[] = [];
		const spy = (name: string) =>
			definePlugin({
				name,
				transform: (message, ctx) => {
					seen.push(`${ctx.connection.transport} ${name} ${message.writable}`);
					return null;
				},
			});
		const server = await startServer({
			port: 0,
			udp: true,
			framing: "lines",
			plugins: [spy("first"), spy("second")],
		});
		try {
			expect(await exchange(server.port, "a\nb")).toBe("a\nb");
			await exchangeDatagram("c", { port: server.port });
			expect(seen).toEqual([
				"tcp first true",
				"tcp second false",
				"tcp first true",
				"tcp second false",
				"udp first false",
				"udp second false",
			]);
		} finally {
			await server.stop();
		}
	});

	test("a first transform that changes reads in place: replies stay exact while queued for a late reader", async () => {
		const inPlace = definePlugin({
			name: "in-place",
			transform: ({ bytes, writable }) => {
				if (!writable) throw new Error("expected a writable message");
				for (let i = 0; i < bytes.length; i++) bytes[i] = (bytes[i] as number) ^ 0x20;
				return bytes;
			},
		});
		const server = await startServer({ port: 0, plugins: [inPlace] });
		try {
			const data = randomBytes(16 * 1024 * 1024);
			const expected = Buffer.from(data.map((b) => b ^ 0x20));
			const client = await connect({ port: server.port });
			client.write(data);
			const ending = client.end();
			// Read only once replies queue in the server (it paused reading from us): later reads
			// arrive in new buffers while earlier replies still wait in its outbound queue.
			await waitFor("the server to pause reading", () => server.stats().pauses >= 1);
			const { bytes, error } = await readAllSlowly(client);
			await ending;
			expect(error).toBeNull();
			expect(Buffer.from(bytes).equals(expected)).toBe(true);
		} finally {
			await server.stop();
		}
	});

	test("an empty replacement in lines framing still sends the line's \\n", async () => {
		const blank = definePlugin({ name: "blank", transform: () => "" });
		const server = await startServer({ port: 0, framing: "lines", plugins: [blank] });
		try {
			expect(await exchange(server.port, "one\ntwo\n")).toBe("\n\n");
		} finally {
			await server.stop();
		}
	});
});

describe("hooks", () => {
	test("start, open, close (once per connection, whatever ended it) and stop", async () => {
		const events: string[] = [];
		const closedIds: number[] = [];
		const opened: ConnectionInfo[] = [];
		const hooks = definePlugin({
			name: "hooks",
			start(server) {
				events.push(`start ${server.framing} ${server.port > 0}`);
			},
			stop() {
				events.push("stop");
			},
			open(connection) {
				opened.push(connection);
				return { messages: 0, id: connection.id };
			},
			transform(message, ctx) {
				ctx.state.messages++;
				if (message.text() === "fail") throw new Error("asked to fail");
				return `${ctx.state.id}:${ctx.state.messages}:${message.text()}`;
			},
			close(ctx) {
				closedIds.push(ctx.state.id);
			},
		});
		const server = await startServer({ port: 0, framing: "lines", plugins: [hooks] });
		expect(events).toEqual(["start lines true"]);

		// Three ways to end: half-close, abrupt close by the client, a failing transform.
		const polite = await connect({ port: server.port });
		const abrupt = await connect({ port: server.port });
		const failing = await connect({ port: server.port });
		await waitFor("three open hooks", () => opened.length === 3);
		const ids = new Set(opened.map((c) => c.id));
		expect(ids.size).toBe(3);
		for (const connection of opened) expect(connection.remoteAddress).toBe("127.0.0.1");

		polite.write("a\nb\n");
		await polite.end();
		expect(decoder.decode(await polite.readAll())).toMatch(/^(\d+):1:a\n\1:2:b\n$/);

		await abrupt.send("x\n");
		expect(await readText(abrupt, 1)).toMatch(/\d/);
		abrupt.close();

		failing.write("fail\n");
		await failing.readAll();

		await waitFor("three close hooks", () => closedIds.length === 3);
		expect(new Set(closedIds)).toEqual(ids);

		await server.stop();
		expect(events).toEqual(["start lines true", "stop"]);
		expect(closedIds).toHaveLength(3); // still once each
	});
});

/** Sends `text`, half-closes and returns everything the server sent back. */
async function exchange(port: number, text: string): Promise<string> {
	const client = await connect({ port });
	client.write(text);
	await client.end();
	return decoder.decode(await client.readAll());
}

async function readText(client: EchoClient, length: number): Promise<string> {
	return decoder.decode(await client.readBytes(length));
}
