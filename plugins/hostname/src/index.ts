export { default, hostname } from "./hostname.ts";
