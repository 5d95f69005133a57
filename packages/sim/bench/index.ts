// Simulation throughput: events per second at 10^3 and 10^4 nodes, against same-run baselines.
//   pnpm bench sim   (--quick: 50,000 events at 10^3 nodes only)
// Workload: every node keeps 5 messages in flight; each delivery sends one message on to a random
// node (latency 20 ms + up to 30 ms jitter), until the target number of deliveries.
// Baselines on the same event pattern: the bare binary-heap queue (no network model, no trace),
// and a naive scheduler that keeps a sorted array (binary search + splice on every insert).
import { createSeededRandom } from "@p2p/wire";
import { fail, printTable, ratio, runBench, scaled } from "../../../scripts/bench-support.js";
import { EventQueue } from "../src/event-queue.js";
import { createSimulation } from "../src/index.js";

const FAN_OUT = 5;
const EVENTS = Number(process.env.SIM_BENCH_EVENTS ?? scaled(400_000, 50_000));
const NODE_COUNTS = scaled([1_000, 10_000], [1_000]);

interface Measurement {
  readonly events: number;
  readonly seconds: number;
}

function timed(body: () => number): Measurement {
  const start = process.hrtime.bigint();
  const events = body();
  return { events, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

function simulationRun(nodeCount: number): number {
  const sim = createSimulation<number>({ seed: 1, link: { latencyMs: 20, jitterMs: 30 } });
  const nodes = Array.from(
    { length: nodeCount },
    (_, index) => `10.0.${index >> 8}.${index & 255}:7000`,
  );
  const random = sim.random("bench");
  let delivered = 0;
  for (const node of nodes) {
    sim.addNode(node, (_from, hops) => {
      delivered++;
      if (delivered + sim.pending < EVENTS) {
        sim.send(node, nodes[Math.floor(random.next() * nodeCount)] as string, hops + 1);
      }
    });
  }
  for (const node of nodes) {
    for (let copy = 0; copy < FAN_OUT; copy++) {
      sim.send(node, nodes[Math.floor(random.next() * nodeCount)] as string, 0);
    }
  }
  sim.runUntilIdle();
  return sim.stats.delivered;
}

function heapRun(nodeCount: number): number {
  const queue = new EventQueue();
  const random = createSeededRandom(1);
  let ran = 0;
  const schedule = (time: number): void => {
    queue.push(time + 20 + random.next() * 30, () => {
      ran++;
    });
  };
  for (let index = 0; index < nodeCount * FAN_OUT; index++) schedule(0);
  for (let event = queue.pop(); event !== undefined; event = queue.pop()) {
    event.run();
    if (ran + queue.size < EVENTS) schedule(event.time);
  }
  return ran;
}

function sortedArrayRun(nodeCount: number): number {
  interface Entry {
    time: number;
    sequence: number;
    run: () => void;
  }
  // kept in descending order so the earliest event pops from the end
  const entries: Entry[] = [];
  const random = createSeededRandom(1);
  let sequence = 0;
  let ran = 0;
  const schedule = (time: number): void => {
    const entry = {
      time: time + 20 + random.next() * 30,
      sequence: sequence++,
      run: () => void ran++,
    };
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const other = entries[middle] as Entry;
      if (
        other.time > entry.time ||
        (other.time === entry.time && other.sequence > entry.sequence)
      ) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    entries.splice(low, 0, entry);
  };
  for (let index = 0; index < nodeCount * FAN_OUT; index++) schedule(0);
  for (let entry = entries.pop(); entry !== undefined; entry = entries.pop()) {
    entry.run();
    if (ran + entries.length < EVENTS) schedule(entry.time);
  }
  return ran;
}

/** Events per second; throws unless the run did its `EVENTS` events. */
function rate(measurement: Measurement, what: string): number {
  if (measurement.events < EVENTS) {
    fail(`${what}: ran ${measurement.events} of ${EVENTS} events`);
  }
  return measurement.events / measurement.seconds;
}

await runBench(import.meta.url, "simulation throughput against same-run baselines", () => {
  if (!Number.isInteger(EVENTS) || EVENTS < 1) fail(`SIM_BENCH_EVENTS must be a positive integer`);
  console.log(
    `workload: ${EVENTS.toLocaleString("en")} events, ${FAN_OUT} messages in flight per node`,
  );
  // warm-up, so the first measured row is not paying for the JIT
  simulationRun(1_000);
  heapRun(1_000);
  sortedArrayRun(1_000);

  const rows: (string | { value: number; digits: number })[][] = [];
  for (const nodeCount of NODE_COUNTS) {
    const name = `${nodeCount.toLocaleString("en")} nodes`;
    const simulation = rate(
      timed(() => simulationRun(nodeCount)),
      `${name}, simulation`,
    );
    const heap = rate(
      timed(() => heapRun(nodeCount)),
      `${name}, bare heap`,
    );
    const sortedArray = rate(
      timed(() => sortedArrayRun(nodeCount)),
      `${name}, sorted array`,
    );
    const millions = (value: number) => ({ value: value / 1e6, digits: 2 });
    const times = (value: number, base: number, what: string) => ({
      value: ratio(value, base, `${name}, ${what}`),
      digits: 2,
    });
    rows.push([
      `${name} (${(nodeCount * FAN_OUT).toLocaleString("en")} pending)`,
      millions(simulation),
      millions(heap),
      millions(sortedArray),
      times(heap, sortedArray, "heap / sorted array"),
      times(simulation, sortedArray, "simulation / sorted array"),
      times(simulation, heap, "simulation / heap"),
    ]);
  }
  console.log(
    "M events/s of: the simulation (network model + trace hash), the bare heap queue, the baseline sorted-array scheduler",
  );
  printTable(
    [
      "nodes",
      "simulation",
      "bare heap",
      "sorted array (baseline)",
      "heap / sorted",
      "simulation / sorted",
      "simulation / heap",
    ],
    rows,
  );
});
