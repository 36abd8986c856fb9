/** Clone numbers `from` … `to - 1` in batches, each with a progress line for long seedings. */
export interface Batch {
  numbers: number[];
  /** e.g. "120,000 / 1,010,000 runs". */
  progress: string;
}

export function* batchesOf(from: number, to: number, size: number): Generator<Batch> {
  for (let start = from; start < to; start += size) {
    const end = Math.min(to, start + size);
    yield {
      numbers: Array.from({ length: end - start }, (_, index) => start + index),
      progress: `${end.toLocaleString('en-US')} / ${to.toLocaleString('en-US')} runs`,
    };
  }
}
