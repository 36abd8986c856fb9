import { createHook } from 'workflow';

async function slowSquare(value: number, milliseconds: number): Promise<number> {
  'use step';
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
  return value * value;
}

/**
 * Rounds of a hook payload arriving while `width` steps are in flight: each round awaits the
 * round's hook (token `<token>:<round>`) together with the steps, so a resume from outside and
 * the steps' completions land on the log at the same time. The result sums both sides, so a
 * payload or step result lost or counted twice shows in it.
 */
export async function hookDuringSteps(token: string, rounds: number, width: number) {
  'use workflow';
  let payloads = 0;
  let squares = 0;
  for (let round = 0; round < rounds; round++) {
    using hook = createHook<{ value: number }>({ token: `${token}:${round}` });
    const steps = Array.from({ length: width }, (_, index) => slowSquare(round + index, 20));
    const [payload, results] = await Promise.all([hook, Promise.all(steps)]);
    payloads += payload.value;
    for (const result of results) squares += result;
  }
  return { payloads, squares };
}
