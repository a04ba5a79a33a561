export { default, type LogOnlyOptions, logOnly } from "./log-only.ts";
