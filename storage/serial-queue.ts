// Runs async tasks one at a time, in call order. Read-check-write sequences (next seq, duplicate
// checks, equivocation slots) must not interleave, or two callers could claim the same key.

/** A FIFO of async tasks; a failed task does not stop the ones queued after it. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every previously queued task has settled. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
