export type {
  DegreeView,
  FitView,
  MemberView,
  SeedView,
  ViewEvent,
  ViewEventInput,
  ViewEventType,
  ViewModel,
  ViewModelOptions,
  ViewState,
} from "./model.js";
export { createViewModel, deadNodeAddress, MAX_EVENTS } from "./model.js";
export type { ViewServer, ViewServerErrorCode, ViewServerOptions } from "./server.js";
export { DEFAULT_VIEW_PORT, startViewServer } from "./server.js";
