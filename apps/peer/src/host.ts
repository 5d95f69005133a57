import { monitorEventLoopDelay } from "node:perf_hooks";
import { AppExit, EXIT, formatNodeAddress, parseNodeAddress } from "@p2p/cli-support";

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
 * Every `intervalMs` (default 10 s), one line about this process hosting `peers` peers:
 * `host: 100 peers, rss 190.4 MB (1.90 MB per peer), event loop delay p50 0.4 ms, p99 3.1 ms,
 * max 12.0 ms (last 10 s)`. The delay is how late the event loop ran a 2 ms timer: a step that
 * blocks the loop for 30 ms shows as a max of about 30 ms.
 */
export function startHostStats(
  peers: number,
  write: (line: string) => void,
  intervalMs = 10_000,
): HostStats {
  const delay = monitorEventLoopDelay({ resolution: 2 });
  delay.enable();
  const ms = (nanoseconds: number) => (nanoseconds / 1e6).toFixed(1);
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss() / 1e6;
    write(
      `host: ${peers} peers, rss ${rss.toFixed(1)} MB (${(rss / peers).toFixed(2)} MB per peer), ` +
        `event loop delay p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, ` +
        `max ${ms(delay.max)} ms (last ${intervalMs / 1000} s)`,
    );
    delay.reset();
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      delay.disable();
    },
  };
}
