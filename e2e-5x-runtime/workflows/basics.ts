import { sleep } from 'workflow';

async function appendLetter(word: string, index: number): Promise<string> {
  'use step';
  return word + String.fromCharCode(97 + index);
}

async function square(value: number): Promise<number> {
  'use step';
  return value * value;
}

async function slowIdentity(value: number, milliseconds: number): Promise<number> {
  'use step';
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
  return value;
}

/** Steps in sequence, each extending the previous result, so the order shows in the output. */
export async function sequentialSteps(count: number) {
  'use workflow';
  let word = '';
  for (let index = 0; index < count; index++) word = await appendLetter(word, index);
  return word;
}

/** Steps started together: each result must come back at its own index. */
export async function parallelSteps(count: number) {
  'use workflow';
  return await Promise.all(Array.from({ length: count }, (_, index) => square(index)));
}

/** A durable sleep between two steps: the workflow clock advances by at least the duration. */
export async function sleepBetweenSteps(milliseconds: number) {
  'use workflow';
  const before = Date.now();
  await sleep(milliseconds);
  return { slept: Date.now() - before, value: await square(milliseconds) };
}

/** Steps in sequence that each take `milliseconds`: a run long enough to be cut by a crash. */
export async function slowSteps(count: number, milliseconds: number) {
  'use workflow';
  const results: number[] = [];
  for (let index = 0; index < count; index++) {
    results.push(await slowIdentity(index, milliseconds));
  }
  return results;
}
