export { defineConfig } from "./config.ts";
export type { EchoConfig, LogLevel, PluginEntry } from "./types.ts";
