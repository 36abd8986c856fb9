import { createHook, sleep } from 'workflow';

async function acknowledge(sequence: number): Promise<number> {
  'use step';
  return sequence;
}

/**
 * The hook/sleep race: each round waits for a hook payload or a sleep, whichever comes first;
 * a payload is then acknowledged by a step. Payloads arriving near the sleep deadline make
 * replays woken by the sleep and by the hook interleave, which is what corrupts weak Worlds.
 */
export async function hookSleepLoop(token: string, rounds: number, sleepMs: number) {
  'use workflow';
  using hook = createHook<{ sequence: number }>({ token });
  let hookWins = 0;
  let sleepWins = 0;
  for (let round = 0; round < rounds; round++) {
    const outcome = await Promise.race([
      hook.then((payload) => payload.sequence),
      sleep(sleepMs).then(() => undefined),
    ]);
    if (outcome === undefined) {
      sleepWins++;
    } else {
      await acknowledge(outcome);
      hookWins++;
    }
  }
  return { rounds, hookWins, sleepWins };
}

async function square(value: number): Promise<number> {
  'use step';
  return value * value;
}

/** The step storm: waves of steps started together, so their completions land at once. */
export async function stepStorm(width: number, waves: number) {
  'use workflow';
  let total = 0;
  for (let wave = 0; wave < waves; wave++) {
    const squares = await Promise.all(Array.from({ length: width }, (_, index) => square(index)));
    total += squares.reduce((sum, value) => sum + value, 0);
  }
  return total;
}
