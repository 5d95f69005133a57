export type { ViewEvent, ViewEventInput, ViewState } from "./model.js";
export { createViewModel, deadNodeAddress } from "./model.js";
export type { ViewServer, ViewServerErrorCode, ViewServerOptions } from "./server.js";
export { DEFAULT_VIEW_PORT, startViewServer } from "./server.js";
