import { getWritable } from 'workflow';

async function writeChunks(writable: WritableStream<Uint8Array>, count: number) {
  'use step';
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  for (let index = 0; index < count; index++) {
    await writer.write(encoder.encode(`chunk-${index};`));
  }
  writer.releaseLock();
  await writable.close();
  return count;
}

/** A step writes `count` chunks to the run's stream (the World's `streams` namespace) and closes it. */
export async function streamChunks(count: number) {
  'use workflow';
  return { written: await writeChunks(getWritable<Uint8Array>(), count) };
}
