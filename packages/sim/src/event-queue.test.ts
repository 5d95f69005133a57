import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue } from "./event-queue.js";

describe("EventQueue", () => {
  it("pops in (time, insertion order), like a stable sort", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const queue = new EventQueue();
        const order: number[] = [];
        for (const [index, time] of times.entries()) queue.push(time, () => order.push(index));
        for (let event = queue.pop(); event !== undefined; event = queue.pop()) event.run();
        const expected = times
          .map((time, index) => ({ time, index }))
          .sort((a, b) => a.time - b.time || a.index - b.index)
          .map((entry) => entry.index);
        expect(order).toEqual(expected);
      }),
    );
  });

  it("skips cancelled events and counts only live ones", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 100 }),
        (entries) => {
          const queue = new EventQueue();
          const ran: number[] = [];
          const events = entries.map(([time], index) => queue.push(time, () => ran.push(index)));
          entries.forEach(([, isCancelled], index) => {
            if (isCancelled) queue.cancel(events[index] as (typeof events)[number]);
          });
          const live = entries.filter(([, isCancelled]) => !isCancelled).length;
          expect(queue.size).toBe(live);
          for (let event = queue.pop(); event !== undefined; event = queue.pop()) event.run();
          expect(ran.sort((a, b) => a - b)).toEqual(
            entries.flatMap(([, isCancelled], index) => (isCancelled ? [] : [index])),
          );
          expect(queue.size).toBe(0);
        },
      ),
    );
  });
});
