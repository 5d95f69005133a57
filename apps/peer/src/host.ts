import { openSync, readSync } from "node:fs";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { AppExit, EXIT, formatNodeAddress, parseNodeAddress } from "@p2p/cli-support";
import type { Clock, Connection, Transport } from "@p2p/wire";

/** Most peers one process may host (`--count`). */
const MAX_HOSTED_PEERS = 5_000;

/**
 * The addresses of `--count` peers: `first` and the next ports up (`127.0.0.1:7000`, count 3:
 * ports 7000, 7001, 7002). Throws a usage AppExit for a count that is not an integer 1–5,000 or
 * that runs past port 65535.
 */
export function consecutiveAddresses(first: string, countText: string): string[] {
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTED_PEERS) {
    throw new AppExit(
      EXIT.usage,
      `peer: --count must be an integer 1–${MAX_HOSTED_PEERS}, got ${countText}`,
    );
  }
  const parsed = parseNodeAddress(first);
  if (!parsed.ok) throw new AppExit(EXIT.usage, `peer: ${parsed.error.message}`);
  const { ip, port } = parsed.value;
  if (port + count - 1 > 65_535) {
    throw new AppExit(
      EXIT.usage,
      `peer: --count ${count} from port ${port} runs past port 65535 (last ${port + count - 1})`,
    );
  }
  return Array.from({ length: count }, (_, index) => formatNodeAddress({ ip, port: port + index }));
}

/** A running {@link startHostStats}. */
export interface HostStats {
  stop(): void;
}

/**
 * Every `intervalMs` (default 10 s), one line about this process hosting `peers()` peers:
 * `host: 100 peers, rss 190.4 MB (1.90 MB per peer), event loop delay p50 0.4 ms, p99 3.1 ms,
 * max 12.0 ms, longest step 4.1 ms (2.0 ms on a CPU), longest GC pause 6.2 ms (last 10 s)`.
 * The delay is how late the event loop ran a 2 ms timer: a step that blocks the loop for 30 ms shows as a max of about
 * 30 ms, but so do many short steps of many peers run back to back. The longest step (one
 * frame or one timer of one peer, with all the synchronous work it causes, from `steps`) and
 * the longest garbage-collection pause tell these apart; the step's time on a CPU (Linux only)
 * leaves out the time the host waited for a core, which with more busy processes than cores can
 * be most of a step's wall time.
 */
export function startHostStats(
  peers: () => number,
  steps: StepTimer,
  write: (line: string) => void,
  intervalMs = 10_000,
): HostStats {
  const delay = monitorEventLoopDelay({ resolution: 2 });
  delay.enable();
  let longestGcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestGcMs = Math.max(longestGcMs, entry.duration);
  });
  gc.observe({ entryTypes: ["gc"] });
  const ms = (nanoseconds: number) => (nanoseconds / 1e6).toFixed(1);
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss() / 1e6;
    const count = peers();
    const step = steps.take();
    const onCpu = step.cpuMs === undefined ? "" : ` (${step.cpuMs.toFixed(1)} ms on a CPU)`;
    write(
      `host: ${count} peers, rss ${rss.toFixed(1)} MB (${(rss / Math.max(1, count)).toFixed(2)} MB per peer), ` +
        `event loop delay p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, ` +
        `max ${ms(delay.max)} ms, longest step ${step.wallMs.toFixed(1)} ms${onCpu}, longest GC pause ${longestGcMs.toFixed(1)} ms (last ${intervalMs / 1000} s)`,
    );
    delay.reset();
    longestGcMs = 0;
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      delay.disable();
      gc.disconnect();
    },
  };
}

/** The longest step seen since the last {@link StepTimer.take}: wall time and time on a CPU. */
interface LongestStep {
  /** Wall time of the longest step, in ms: its work, plus any time the host waited for a CPU. */
  readonly wallMs: number;
  /**
   * Time the event-loop thread spent on a CPU during the step that used it most, in ms (its
   * work and any garbage collection inside it, without time spent waiting for a core); the
   * wall time where the system cannot tell (`cpuMs` is then undefined).
   */
  readonly cpuMs: number | undefined;
}

/** The longest synchronous piece of protocol work seen since the last {@link StepTimer.take}. */
export interface StepTimer {
  /** Runs `work` and records how long it took. */
  time(work: () => void): void;
  /** The longest recorded step, and starts a new window. */
  take(): LongestStep;
}

/**
 * Milliseconds the calling thread has spent on a CPU, read from Linux's
 * `/proc/thread-self/schedstat` (about 1.4 µs a read); undefined where that file is missing.
 * A host with more busy processes than cores waits for a CPU in the middle of a step, which
 * wall time counts and this does not.
 */
function threadCpuClock(): (() => number) | undefined {
  let fd: number;
  try {
    fd = openSync("/proc/thread-self/schedstat", "r");
  } catch {
    return undefined;
  }
  const buffer = Buffer.alloc(64);
  return () => {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    let nanoseconds = 0; // the first field: time on a CPU, in ns
    for (let index = 0; index < length; index++) {
      const digit = (buffer[index] ?? 0) - 48;
      if (digit < 0 || digit > 9) break;
      nanoseconds = nanoseconds * 10 + digit;
    }
    return nanoseconds / 1e6;
  };
}

/** A {@link StepTimer}. */
export function createStepTimer(): StepTimer {
  const cpuNow = threadCpuClock();
  let longestWallMs = 0;
  let longestCpuMs = 0;
  return {
    time(work) {
      const started = performance.now();
      const cpuStarted = cpuNow?.() ?? 0;
      try {
        work();
      } finally {
        longestWallMs = Math.max(longestWallMs, performance.now() - started);
        if (cpuNow !== undefined) longestCpuMs = Math.max(longestCpuMs, cpuNow() - cpuStarted);
      }
    },
    take() {
      const longest = {
        wallMs: longestWallMs,
        cpuMs: cpuNow === undefined ? undefined : longestCpuMs,
      };
      longestWallMs = 0;
      longestCpuMs = 0;
      return longest;
    },
  };
}

/** `connection`, with the handling of each arriving frame timed (decrypt, decode, every step it causes). */
function timedConnection(connection: Connection, timer: StepTimer): Connection {
  const on: Connection["on"] = (event, listener) => {
    if (event !== "message") return connection.on(event, listener);
    const handle = listener as (payload: Uint8Array) => void;
    return connection.on("message", (payload) => timer.time(() => handle(payload)));
  };
  return new Proxy(connection, {
    get(target, property) {
      if (property === "on") return on;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * `transport` with every frame's handling timed by `timer`: one frame, with everything the
 * node does for it synchronously, is one step of protocol work.
 */
export function timedTransport<T extends Transport>(transport: T, timer: StepTimer): T {
  return {
    ...transport,
    listen: (address, onConnection) =>
      transport.listen(address, (connection) => onConnection(timedConnection(connection, timer))),
    dial: async (address, options) =>
      timedConnection(await transport.dial(address, options), timer),
  };
}

/** `clock` with every timer callback (a tick and what it causes) timed by `timer`. */
export function timedClock(clock: Clock, timer: StepTimer): Clock {
  return {
    now: () => clock.now(),
    setTimer: (delayMs, callback) => clock.setTimer(delayMs, () => timer.time(callback)),
  };
}
