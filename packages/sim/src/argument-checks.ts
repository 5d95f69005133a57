import { P2pError } from "@p2p/wire";
import type { SimErrorCode } from "./errors.js";

/** Throws `ARGUMENT_INVALID` unless `value` is a non-negative number. */
export function checkDuration(name: string, value: number): void {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new P2pError<SimErrorCode>(
      "ARGUMENT_INVALID",
      `${name} must be a non-negative number, got ${String(value)}`,
    );
  }
}

/** Throws `ARGUMENT_INVALID` unless `value` is a non-empty string. */
export function checkAddress(name: string, value: string): void {
  if (typeof value !== "string" || value === "") {
    throw new P2pError<SimErrorCode>(
      "ARGUMENT_INVALID",
      `${name} must be a non-empty string, got ${String(value)}`,
    );
  }
}
