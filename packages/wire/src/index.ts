export type { Clock, TimerHandle } from "./clock.js";
export { systemClock } from "./clock.js";
export type { Result } from "./errors.js";
export { assertNever, err, ok, P2pError } from "./errors.js";
export type { RandomSource } from "./random.js";
export { randomInt, shuffled } from "./random.js";
export type {
  CloseInfo,
  CloseReason,
  Connection,
  ConnectionEvents,
  ConnectionState,
  DialOptions,
  Listener,
  Transport,
} from "./transport.js";
