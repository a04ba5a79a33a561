export { default, echo } from "./echo.ts";
