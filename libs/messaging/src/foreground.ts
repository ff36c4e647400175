/**
 * The requests a node is answering now: its foreground (a clerk at a counter waits for each).
 * Message handling is background work: while the foreground is busy the transport takes fewer
 * messages at once (BullMqServerOptions.maxInFlightWhileServing), so a backlog of messages delays
 * other messages, not the clerks. Nothing is dropped or reordered: jobs wait in their queues.
 */
export class ForegroundLoad {
  private active = 0;
  private readonly idleListeners = new Set<() => void>();

  /** True while at least one request is being answered. */
  get busy(): boolean {
    return this.active > 0;
  }

  /** A request starts; call the returned function once when it ends (extra calls are ignored). */
  enter(): () => void {
    this.active++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.active--;
      if (this.active === 0) for (const listener of this.idleListeners) listener();
    };
  }

  /** Called each time the last request in flight ends. */
  onIdle(listener: () => void): () => void {
    this.idleListeners.add(listener);
    return () => this.idleListeners.delete(listener);
  }
}
