export { EchoClient } from "./client.ts";
export { connect } from "./connect.ts";
export { type DatagramOptions, exchangeDatagram } from "./datagram.ts";
export { EchoError, type EchoErrorCode } from "./errors.ts";
export { definePlugin, NO_REPLY, type NoReply } from "./plugin.ts";
export { EchoServer, startServer } from "./server.ts";
export type {
	AnyPlugin,
	ClientOptions,
	ConnectionInfo,
	Framing,
	Logger,
	Message,
	Plugin,
	PluginContext,
	ServerInfo,
	ServerOptions,
	ServerStats,
	StopOptions,
	TransformResult,
} from "./types.ts";
