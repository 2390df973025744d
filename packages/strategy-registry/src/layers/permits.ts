/** A counting semaphore for plain async code: at most `count` holders at once, served in arrival order. */
export class Permits {
  private readonly waiting: Array<() => void> = [];

  constructor(private available: number) {}

  /** Resolves once a permit is held; give it back with {@link release}. */
  acquire(): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Takes a permit if one is free now. */
  tryAcquire(): boolean {
    if (this.available === 0) return false;
    this.available--;
    return true;
  }

  /** Gives a permit back, to the longest waiter if any. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.available++;
  }
}
