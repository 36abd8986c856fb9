/**
 * The signatures of signed deliveries a queue handler accepted, each kept until it goes stale (its
 * timestamp plus the signature tolerance), so the same signed request sent again within that
 * window is recognised. Every delivery the deliverer signs carries a fresh nonce, so a signature
 * seen twice is always a copy of one request, never a legitimate redelivery.
 *
 * Memory is bounded: past `capacity` signatures the oldest are forgotten first, which only
 * shortens how long each is remembered when more than `capacity` deliveries arrive within one
 * tolerance window.
 */
export class ReplayGuard {
  /** Signature → when it goes stale (epoch ms), in arrival order. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  /**
   * Records a verified signature and returns true, or returns false when it was already recorded.
   * A recorded signature cannot have gone stale: the same signature has the same timestamp, so a
   * copy that passed the staleness check is within the window of the original.
   */
  admit(signature: string, staleAt: number, now: number): boolean {
    if (this.seen.has(signature)) return false;
    this.forgetStaleOrOverflowing(now);
    this.seen.set(signature, staleAt);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  /**
   * Drops entries from the oldest on while they are stale or the map is full. Entries arrive
   * roughly in timestamp order; one whose neighbours went stale first stays until it is the
   * oldest, which the capacity bounds.
   */
  private forgetStaleOrOverflowing(now: number): void {
    for (const [signature, staleAt] of this.seen) {
      if (staleAt >= now && this.seen.size < this.capacity) return;
      this.seen.delete(signature);
    }
  }
}
