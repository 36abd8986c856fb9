import { InvalidCursorError, type ListKind, type PaginatedResponse, pageOf } from '@worldkit/world';

/**
 * Insertion-ordered pagination for the memory World. Every item gets a sequence number when it is
 * first inserted; a cursor names that item (`<seq>.<key>`) and means "strictly after it" in the
 * requested order. Sequence numbers are never reused and keys keep theirs after deletion, so a
 * cursor stays valid forever, including after the item it names is gone and after new inserts.
 */
export class OrderedIndex<T> {
  private nextSeq = 0;
  private readonly seqOf = new Map<string, number>();
  private readonly items = new Map<string, { seq: number; value: T }>();

  set(key: string, value: T): void {
    let seq = this.seqOf.get(key);
    if (seq === undefined) {
      seq = this.nextSeq++;
      this.seqOf.set(key, seq);
    }
    // Map iteration order is insertion order: a re-inserted key after deletion must keep its
    // original place, so the map is re-sorted lazily only when that happens.
    const reinserted = !this.items.has(key) && seq < this.nextSeq - 1;
    this.items.set(key, { seq, value });
    if (reinserted) this.resort();
  }

  get(key: string): T | undefined {
    return this.items.get(key)?.value;
  }

  delete(key: string): void {
    this.items.delete(key);
  }

  values(): IterableIterator<T> {
    return mapIterator(this.items.values(), (entry) => entry.value);
  }

  /**
   * One page of the items `keep` accepts. The final page still returns the cursor of its last
   * item (a position to resume from later); an empty page repeats the cursor it was given.
   */
  page<R>(
    kind: ListKind,
    pagination: Parameters<typeof pageOf>[1],
    keep: (value: T) => boolean,
    shape: (value: T) => R,
  ): PaginatedResponse<R> {
    const { limit, sortOrder, cursor } = pageOf(kind, pagination);
    const after = cursor === undefined ? undefined : this.cursorSeq(cursor);
    const entries = [...this.items.entries()];
    if (sortOrder === 'desc') entries.reverse();
    const data: R[] = [];
    let lastCursor: string | null = cursor ?? null;
    let hasMore = false;
    for (const [key, entry] of entries) {
      if (after !== undefined && (sortOrder === 'asc' ? entry.seq <= after : entry.seq >= after)) {
        continue;
      }
      if (!keep(entry.value)) continue;
      if (data.length === limit) {
        hasMore = true;
        break;
      }
      data.push(shape(entry.value));
      lastCursor = `${entry.seq}.${key}`;
    }
    return { data, cursor: lastCursor, hasMore };
  }

  private cursorSeq(cursor: string): number {
    const dot = cursor.indexOf('.');
    const seq = Number(cursor.slice(0, dot));
    if (dot < 1 || this.seqOf.get(cursor.slice(dot + 1)) !== seq) {
      throw new InvalidCursorError(cursor);
    }
    return seq;
  }

  private resort(): void {
    const sorted = [...this.items.entries()].sort((a, b) => a[1].seq - b[1].seq);
    this.items.clear();
    for (const [key, entry] of sorted) this.items.set(key, entry);
  }
}

function* mapIterator<A, B>(source: Iterable<A>, map: (value: A) => B): IterableIterator<B> {
  for (const value of source) yield map(value);
}
