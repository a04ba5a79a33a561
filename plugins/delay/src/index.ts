export { DELAY_OPTIONS, type DelayOptions, default, delay } from "./delay.ts";
