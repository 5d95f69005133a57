import { expect, it } from "vitest";
import { main } from "./simulated-network.js";

it("the README example runs: every peer delivers every other peer's 10 messages", async () => {
  const { members, delivered } = await main();
  expect(members).toHaveLength(5);
  expect(delivered).toBe(200);
});
