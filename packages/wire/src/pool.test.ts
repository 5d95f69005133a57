import { describe, expect, it } from "vitest";
import type { Clock, TimerHandle } from "./clock.js";
import { P2pError } from "./errors.js";
import { createMemoryNetwork } from "./memory.js";
import { createConnectionPool } from "./pool.js";
import type { RandomSource } from "./random.js";

/** A manual clock: time moves only when the test says so. */
function manualClock() {
  let now = 0;
  const timers: Array<{ at: number; callback: () => void; cancelled: boolean }> = [];
  const clock: Clock = {
    now: () => now,
    setTimer(delayMs, callback): TimerHandle {
      const timer = { at: now + Math.max(0, delayMs), callback, cancelled: false };
      timers.push(timer);
      return { cancel: () => (timer.cancelled = true) };
    },
  };
  return {
    clock,
    pendingTimers: () => timers.filter((timer) => !timer.cancelled).map((timer) => timer.at - now),
    advance(ms: number) {
      now += ms;
      for (const timer of timers.splice(0)) {
        if (timer.cancelled) continue;
        if (timer.at <= now) timer.callback();
        else timers.push(timer);
      }
    },
  };
}

const half: RandomSource = { next: () => 0.5 };
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe("createConnectionPool", () => {
  it("dials lazily, shares one dial between callers and reuses the open connection", async () => {
    const network = createMemoryNetwork();
    let accepted = 0;
    const listener = await network.transport("10.0.0.1").listen("10.0.0.1:7000", () => {
      accepted += 1;
    });
    const time = manualClock();
    const seen: string[] = [];
    const pool = createConnectionPool({
      transport: network.transport("10.0.0.2"),
      clock: time.clock,
      random: half,
      initialBackoffMs: 100,
      maxBackoffMs: 1000,
      onConnection: (address) => seen.push(address),
    });
    expect(pool.inspect()).toEqual([]);
    const [first, second] = await Promise.all([
      pool.get(listener.address),
      pool.get(listener.address),
    ]);
    expect(first).toBe(second);
    expect(await pool.get(listener.address)).toBe(first);
    expect(pool.peek(listener.address)).toBe(first);
    expect(accepted).toBe(1);
    expect(seen).toEqual(["10.0.0.1:7000"]);
    expect(pool.inspect()).toEqual([{ address: "10.0.0.1:7000", state: "open", failures: 0 }]);

    first.abort();
    const replacement = await pool.get(listener.address);
    expect(replacement).not.toBe(first);
    expect(accepted).toBe(2);
    await pool.closeAll();
    expect(replacement.state).toBe("closed");
    await expect(pool.get(listener.address)).rejects.toThrow(/pool is closed/);
  });

  it("reconnects with jittered exponential backoff after failed dials", async () => {
    const network = createMemoryNetwork();
    const time = manualClock();
    const pool = createConnectionPool({
      transport: network.transport("10.0.0.2"),
      clock: time.clock,
      random: half,
      initialBackoffMs: 100,
      maxBackoffMs: 300,
    });
    const address = "10.0.0.1:7000";
    await expect(pool.get(address)).rejects.toSatisfy((error) => P2pError.is(error, "DIAL_FAILED"));
    // failure 1: ceiling 100, jitter 0.5 → 75 ms
    expect(pool.inspect()).toEqual([{ address, state: "idle", failures: 1, retryAtMs: 75 }]);
    const second = pool.get(address).catch((error: unknown) => error);
    await flush();
    expect(time.pendingTimers()).toEqual([75]);
    expect(pool.inspect()[0]?.state).toBe("backoff");
    time.advance(75);
    expect(P2pError.is(await second, "DIAL_FAILED")).toBe(true);
    // failure 2: ceiling 200 → 150 ms; failure 3: ceiling capped at 300 → 225 ms
    expect(pool.inspect()[0]?.retryAtMs).toBe(75 + 150);
    const third = pool.get(address).catch((error: unknown) => error);
    await flush();
    time.advance(150);
    await third;
    expect(pool.inspect()[0]).toEqual({
      address,
      state: "idle",
      failures: 3,
      retryAtMs: 225 + 225,
    });

    // The peer comes up; the next attempt, after the backoff, succeeds and resets the count.
    await network.transport("10.0.0.1").listen(address, () => {});
    const fourth = pool.get(address);
    await flush();
    time.advance(225);
    const connection = await fourth;
    expect(connection.state).toBe("open");
    expect(pool.inspect()).toEqual([{ address, state: "open", failures: 0 }]);
    await pool.closeAll();
  });

  it("closeAll cancels a backoff wait and rejects bad addresses", async () => {
    const network = createMemoryNetwork();
    const time = manualClock();
    const pool = createConnectionPool({
      transport: network.transport("10.0.0.2"),
      clock: time.clock,
      random: half,
      initialBackoffMs: 100,
      maxBackoffMs: 100,
    });
    await expect(pool.get("10.0.0.1")).rejects.toThrow(/has no port/);
    await pool.get("10.0.0.1:7000").catch(() => undefined);
    const waiting = pool.get("10.0.0.1:7000").catch((error: unknown) => error);
    await flush();
    await pool.closeAll();
    expect(P2pError.is(await waiting, "POOL_CLOSED")).toBe(true);
    expect(time.pendingTimers()).toEqual([]);
    expect(() =>
      createConnectionPool({
        transport: network.transport("10.0.0.2"),
        clock: time.clock,
        random: half,
        initialBackoffMs: 0,
        maxBackoffMs: 100,
      }),
    ).toThrow(/initialBackoffMs/);
  });
});
