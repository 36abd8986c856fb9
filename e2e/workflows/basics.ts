import { sleep } from 'workflow';

async function double(value: number): Promise<number> {
  'use step';
  return value * 2;
}

async function appendLetter(word: string, index: number): Promise<string> {
  'use step';
  return word + String.fromCharCode(97 + index);
}

/** One step: the run's result is the step's result. */
export async function oneStep(value: number) {
  'use workflow';
  return await double(value);
}

/** Steps in sequence, each consuming the previous result, so order is visible in the output. */
export async function sequentialSteps(count: number) {
  'use workflow';
  let word = '';
  for (let index = 0; index < count; index++) {
    word = await appendLetter(word, index);
  }
  return word;
}

/** Steps started together: every result must come back at its own index. */
export async function parallelSteps(count: number) {
  'use workflow';
  return await Promise.all(Array.from({ length: count }, (_, index) => double(index)));
}

/** A durable sleep: the workflow clock must have advanced by at least the duration. */
export async function sleepThenReturn(milliseconds: number) {
  'use workflow';
  const before = Date.now();
  await sleep(milliseconds);
  const after = Date.now();
  return { slept: after - before, value: await double(milliseconds) };
}

async function slowIdentity(index: number, milliseconds: number): Promise<number> {
  'use step';
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
  return index;
}

/** Steps that each take a while, so a crash lands while some are in flight. */
export async function slowSteps(count: number, milliseconds: number) {
  'use workflow';
  const results: number[] = [];
  for (let index = 0; index < count; index++) {
    results.push(await slowIdentity(index, milliseconds));
  }
  return results;
}
