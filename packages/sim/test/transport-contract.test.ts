// The @p2p/wire transport contract, run against the simulated stream transport.
import { runTransportContract } from "@p2p/wire/testing";
import { createSimulation } from "../src/index.js";

for (const jitterMs of [0, 7]) {
  runTransportContract(`@p2p/sim (latency 5 ms, jitter ${jitterMs} ms)`, () => {
    const sim = createSimulation({ seed: 2024 + jitterMs, link: { latencyMs: 5, jitterMs } });
    return {
      transport: (host) => sim.transport(host),
      host: (index) => `10.0.0.${index + 1}`,
      listenAddress: (host) => `${host}:7000`,
      settle: (promise) => sim.settle(promise),
      dispose: async () => {},
    };
  });
}
