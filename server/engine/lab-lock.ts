/**
 * One lock per key (a lab's name): work given for a key runs after the work
 * given for it before, whether that succeeded or failed; work for other keys
 * does not wait. Two starts, or a start and a stop, of one lab so never
 * interleave their steps.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(work, work);
    const tail = result.catch(() => {});
    this.tails.set(key, tail);
    // The map keeps no entry for a key nobody waits on.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Whether work for this key is running or waiting. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}
