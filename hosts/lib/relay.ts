/**
 * The delaying TCP relay (the kernel here has no netem). Run inside a host as
 * `run.ts --relay <ip> <meanMs> <jitterMs> <port,port,…>`: for each node port it listens on
 * port + RELAY_PORT_OFFSET, where nft redirects the host's inbound TCP to that port, and
 * forwards each connection to `<ip>:<port>`. Every chunk, in both directions, is held for a
 * delay drawn uniformly from mean ± jitter, but never released before the chunk ahead of it:
 * order is kept and each direction of each connection is delayed once.
 */
import { connect, createServer, type Socket } from "node:net";
import { RELAY_PORT_OFFSET } from "./net.js";

/** Copies `from` to `to`, each chunk delayed by `delay()` and kept in order. */
function pipeDelayed(from: Socket, to: Socket, delay: () => number): void {
  const queue: { readonly at: number; readonly chunk: Buffer | null }[] = [];
  let lastAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && (queue[0]?.at ?? 0) <= now) {
      const { chunk } = queue.shift() as { at: number; chunk: Buffer | null };
      if (chunk === null) to.end();
      else if (!to.destroyed) to.write(chunk);
    }
    const head = queue[0];
    if (head !== undefined) timer = setTimeout(flush, head.at - now);
  };
  const enqueue = (chunk: Buffer | null) => {
    lastAt = Math.max(lastAt, Date.now() + delay());
    queue.push({ at: lastAt, chunk });
    if (timer === undefined) timer = setTimeout(flush, lastAt - Date.now());
  };
  from.on("data", (chunk: Buffer) => enqueue(chunk));
  from.on("end", () => enqueue(null));
}

/** Runs the relay with the command-line arguments after `--relay` (never returns). */
export function runRelay(args: readonly string[]): void {
  const [ip, mean, jitter, ports] = args;
  const meanMs = Number(mean);
  const jitterMs = Number(jitter);
  if (ip === undefined || ports === undefined || !(meanMs >= jitterMs && jitterMs >= 0)) {
    throw new Error("relay: usage: --relay <ip> <meanMs> <jitterMs> <port,port,…>");
  }
  const delay = () => meanMs - jitterMs + Math.random() * 2 * jitterMs;
  const listening = ports.split(",").map(
    (port) =>
      new Promise<void>((done) => {
        const server = createServer({ allowHalfOpen: true }, (inbound) => {
          const outbound = connect({ host: ip, port: Number(port), allowHalfOpen: true });
          const close = () => {
            inbound.destroy();
            outbound.destroy();
          };
          inbound.on("error", close);
          outbound.on("error", close);
          inbound.on("close", () => setTimeout(close, meanMs + jitterMs + 10));
          outbound.on("close", () => setTimeout(close, meanMs + jitterMs + 10));
          pipeDelayed(inbound, outbound, delay);
          pipeDelayed(outbound, inbound, delay);
        });
        server.listen(Number(port) + RELAY_PORT_OFFSET, "0.0.0.0", () => done());
      }),
  );
  void Promise.all(listening).then(() => console.log(`ready relay ${ip} ${ports}`));
}
