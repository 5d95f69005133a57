/** One scheduled event. */
export interface ScheduledEvent {
  readonly time: number;
  readonly sequence: number;
  readonly run: () => void;
  cancelled: boolean;
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.sequence < b.sequence);
}

/**
 * A binary min-heap of events keyed by (time, sequence): events at equal times run in the order
 * they were scheduled, which makes every run deterministic.
 */
export class EventQueue {
  private readonly heap: ScheduledEvent[] = [];
  private nextSequence = 0;
  private cancelledCount = 0;

  /** Events scheduled and neither run nor cancelled. */
  get size(): number {
    return this.heap.length - this.cancelledCount;
  }

  /** Schedules `run` at `time`. */
  push(time: number, run: () => void): ScheduledEvent {
    const event: ScheduledEvent = { time, sequence: this.nextSequence++, run, cancelled: false };
    const heap = this.heap;
    let index = heap.length;
    heap.push(event);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as ScheduledEvent;
      if (!before(event, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = event;
    return event;
  }

  /** Marks `event` cancelled; it is skipped when it reaches the top. Idempotent. */
  cancel(event: ScheduledEvent): void {
    if (event.cancelled) return;
    event.cancelled = true;
    this.cancelledCount++;
  }

  /** The earliest live event, without removing it. */
  peek(): ScheduledEvent | undefined {
    this.dropCancelled();
    return this.heap[0];
  }

  /** Removes and returns the earliest live event. */
  pop(): ScheduledEvent | undefined {
    this.dropCancelled();
    return this.removeTop();
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && (this.heap[0] as ScheduledEvent).cancelled) {
      this.removeTop();
      this.cancelledCount--;
    }
  }

  private removeTop(): ScheduledEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const length = heap.length;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(heap[right] as ScheduledEvent, heap[left] as ScheduledEvent)) {
        child = right;
      }
      const childEvent = heap[child] as ScheduledEvent;
      if (!before(childEvent, last)) break;
      heap[index] = childEvent;
      index = child;
    }
    heap[index] = last;
    return top;
  }
}
