/**
 * A queue that one producer pushes into and one consumer reads with `for await`. The producer
 * ends it with `close` or with `fail`, whose error the reader's loop throws once it has read
 * everything pushed before it.
 */
export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.signal();
  }

  close(): void {
    this.closed = true;
    this.signal();
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = { error };
    this.close();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let next = 0;
    for (;;) {
      while (next < this.items.length) {
        const item = this.items[next++] as T;
        // Keep memory flat on long replies: drop what was read once the queue is drained.
        if (next === this.items.length) {
          this.items.length = 0;
          next = 0;
        }
        yield item;
      }
      if (this.closed) {
        if (this.failure) throw this.failure.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
