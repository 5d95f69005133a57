/** A tiny typed event hub for node events (one listener set per hub). */
export interface NodeEvents<E> {
  /** Subscribes; returns the unsubscribe function. */
  on(listener: (event: E) => void): () => void;
  emit(event: E): void;
}

/** Creates a {@link NodeEvents} hub. A throwing listener does not stop the others. */
export function createNodeEvents<E>(): NodeEvents<E> {
  const listeners = new Set<(event: E) => void>();
  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const listener of listeners) listener(event);
    },
  };
}
