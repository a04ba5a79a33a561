export type { ResolvedAddress } from "./address.ts";
export { EchoClient } from "./client.ts";
export { connect } from "./connect.ts";
export { DURATION_BUCKETS_SECONDS } from "./counters.ts";
export { type DatagramOptions, exchangeDatagram } from "./datagram.ts";
export { EchoError, type EchoErrorCode, PluginError, type PluginHook } from "./errors.ts";
export {
	type BooleanOption,
	checkOptions,
	type NumberOption,
	type OptionSpec,
	type OptionSpecs,
	type OptionsInput,
	type OptionValue,
	type OptionValues,
	type StringOption,
} from "./options.ts";
export { definePlugin, NO_REPLY, type NoReply } from "./plugin.ts";
export { EchoServer, startServer } from "./server.ts";
export { PLUGIN_HOOKS } from "./settings.ts";
export { escapeControls } from "./text.ts";
export type {
	AnyPlugin,
	ClientOptions,
	ConnectionInfo,
	ConnectionPhase,
	DurationHistogram,
	Framing,
	Greeting,
	LogEvent,
	LogFields,
	Logger,
	Message,
	Plugin,
	PluginContext,
	ServerInfo,
	ServerOptions,
	ServerStats,
	StopOptions,
	TransformResult,
	Transport,
	TransportStats,
} from "./types.ts";
