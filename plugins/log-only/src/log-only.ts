import {
	type ConnectionInfo,
	checkOptions,
	definePlugin,
	escapeControls,
	NO_REPLY,
	type Plugin,
	PluginError,
} from "@echokit/core";

/** Options of {@link logOnly}. */
export interface LogOnlyOptions {
	/**
	 * Also called with each message's full text (decoded as UTF-8, not shortened), e.g. to keep
	 * messages in a test or forward them elsewhere.
	 */
	record?: (text: string, connection: ConnectionInfo) => void;
}

/**
 * The log-only plugin: logs every message through the server's logger at info level and replies
 * nothing — a sink, like `/dev/null` with a transcript. Later plugins do not see the message.
 *
 * The log line reads `message from HOST:PORT (#ID): TEXT`; control characters in TEXT are escaped
 * (`\n`, `\x1b`, …) so a client cannot break or colour the log, and a message over 200 bytes is
 * shortened with its size, e.g. `xxxx… (5000 bytes)`.
 *
 * @example
 * import { startServer } from "@echokit/core";
 * import logOnly from "@echokit/plugin-log-only";
 * const seen: string[] = [];
 * const server = await startServer({
 *   port: 7000,
 *   logger: console,
 *   plugins: [logOnly({ record: (text) => seen.push(text) })],
 * });
 */
export function logOnly(options: LogOnlyOptions = {}): Plugin {
	const { record, ...others } = options;
	// `record` is a function: only code (a config file) can give it, so it is checked here.
	if (record !== undefined && typeof record !== "function") {
		throw new PluginError("E_PLUGIN_OPTIONS", `invalid option record: expected a function`, {
			plugin: "log-only",
			hook: "options",
			option: "record",
		});
	}
	checkOptions("log-only", others, {});
	return definePlugin({
		name: "log-only",
		transform(message, { connection, logger }) {
			logger.info(
				`message from ${address(connection)} (#${connection.id}): ${preview(message.bytes)}`,
			);
			record?.(message.text(), connection);
			return NO_REPLY;
		},
	});
}

export default logOnly;

/** Longest message logged in full, in bytes. */
const PREVIEW_BYTES = 200;
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

function address({ remoteAddress, remotePort }: ConnectionInfo): string {
	return remoteAddress.includes(":")
		? `[${remoteAddress}]:${remotePort}`
		: `${remoteAddress}:${remotePort}`;
}

/** The message as one safe log line: escaped, and shortened with a byte count when long. */
function preview(bytes: Uint8Array): string {
	if (bytes.byteLength <= PREVIEW_BYTES) return escapeControls(decoder.decode(bytes));
	// Cut at the start of a character so the shortened text does not end in a broken one.
	let end = PREVIEW_BYTES;
	while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
	return `${escapeControls(decoder.decode(bytes.subarray(0, end)))}… (${bytes.byteLength} bytes)`;
}
