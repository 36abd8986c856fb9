/**
 * Workflows the bench times as they grow (`pnpm bench --scale`): no steps at all, steps carrying
 * data, a race of steps, and a stream handed through a chain of steps.
 */

/** A run and nothing else: what the runtime and the World cost before any step. */
export async function noSteps(value: number) {
  'use workflow';
  return value;
}

async function carry(data: string, index: number): Promise<string> {
  'use step';
  return data.slice(1) + String.fromCharCode(97 + (index % 26));
}

/**
 * Steps in sequence, each taking the previous step's `bytes` characters and returning as many:
 * every step's input and result are stored and replayed. Returns the length and the last
 * `count` characters, one per step in order.
 */
export async function sequentialDataSteps(count: number, bytes: number) {
  'use workflow';
  let data = 'x'.repeat(bytes);
  for (let index = 0; index < count; index++) {
    data = await carry(data, index);
  }
  return { length: data.length, tail: data.slice(-count) };
}

async function identity(index: number): Promise<number> {
  'use step';
  return index;
}

/** Steps started together, the first to finish wins: returns its index. */
export async function raceSteps(count: number) {
  'use workflow';
  return await Promise.race(Array.from({ length: count }, (_, index) => identity(index)));
}

async function produce(chunks: number, size: number): Promise<ReadableStream<Uint8Array>> {
  'use step';
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === chunks) {
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(size));
      sent++;
    },
  });
}

async function addOne(input: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  'use step';
  return input.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk.map((byte) => byte + 1));
      },
    }),
  );
}

async function total(input: ReadableStream<Uint8Array>): Promise<{ bytes: number; sum: number }> {
  'use step';
  let bytes = 0;
  let sum = 0;
  for await (const chunk of input) {
    bytes += chunk.length;
    for (const byte of chunk) sum += byte;
  }
  return { bytes, sum };
}

/**
 * A stream of `chunks` zero-filled chunks of `size` bytes, passed through `stages` steps that
 * each add one to every byte, then summed by a last step: `{bytes: chunks × size, sum: bytes ×
 * stages}` when every chunk went through every stage.
 */
export async function streamThroughSteps(chunks: number, size: number, stages: number) {
  'use workflow';
  let stream = await produce(chunks, size);
  for (let stage = 0; stage < stages; stage++) {
    stream = await addOne(stream);
  }
  return await total(stream);
}
