export { default, uppercase } from "./uppercase.ts";
