// Time-ordered queues of ids with their deadlines, for Plumtree's timers and rounds: pushed in
// deadline order, read from the head, compacted now and then.

/** A time-ordered queue of ids (each queue holds deadlines in non-decreasing order). */
export interface DeadlineQueue<
  Item extends { id: string; at: number } = { id: string; at: number },
> {
  items: Item[];
  head: number;
}

export const queue = <Item extends { id: string; at: number }>(): DeadlineQueue<Item> => ({
  items: [],
  head: 0,
});
export const peek = <Item extends { id: string; at: number }>(q: DeadlineQueue<Item>) =>
  q.items[q.head];
export function shift<Item extends { id: string; at: number }>(q: DeadlineQueue<Item>): void {
  q.head++;
  if (q.head > 1024 && q.head * 2 > q.items.length) {
    q.items = q.items.slice(q.head);
    q.head = 0;
  }
}
