/**
 * What a live reader sleeps on between looks at the table: a NOTIFY (or the World closing) ends
 * the sleep early, the poll interval ends it anyway.
 *
 * A wake-up that arrives while the reader is looking is kept, and the sleep after that look
 * returns at once: the look's query may have run before the write the wake-up announces, so
 * dropping it would leave the reader asleep with a chunk waiting.
 */
export class WakeUp {
  private wake: (() => void) | undefined;
  private wokenWhileLooking = false;

  constructor(private readonly pollIntervalMs: number) {}

  /** The reader starts a look: wake-ups kept until now are answered by it. */
  looking(): void {
    this.wokenWhileLooking = false;
  }

  signal(): void {
    if (this.wake === undefined) this.wokenWhileLooking = true;
    else this.wake();
  }

  sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.wokenWhileLooking) {
        resolve();
        return;
      }
      const finish = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, this.pollIntervalMs);
      timer.unref();
      this.wake = finish;
    });
  }
}
