export { defineConfig } from "./config.ts";
export type { EchoConfig, LogLevel, PluginEntry, TlsFiles } from "./types.ts";
