import { FatalError, getStepMetadata, getWritable, RetryableError } from 'workflow';

async function succeedAfterFailures(failures: number) {
  'use step';
  const { attempt } = getStepMetadata();
  if (attempt <= failures) {
    throw new RetryableError(`transient failure on attempt ${attempt}`, { retryAfter: 1 });
  }
  return attempt;
}

/** A step that fails `failures` times before succeeding: the result is the winning attempt. */
export async function retryThenSucceed(failures: number) {
  'use workflow';
  return { attempt: await succeedAfterFailures(failures) };
}

async function failFatally(message: string): Promise<never> {
  'use step';
  throw new FatalError(message);
}

/** A fatal step error fails the whole run with the step's message. */
export async function fatalFailure(message: string) {
  'use workflow';
  await failFatally(message);
  return 'unreachable';
}

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

/** A step writes `count` chunks to the run's stream and closes it. */
export async function streamChunks(count: number) {
  'use workflow';
  return { written: await writeChunks(getWritable<Uint8Array>(), count) };
}
