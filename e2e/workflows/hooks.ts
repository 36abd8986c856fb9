import { createHook, createWebhook, sleep } from 'workflow';

/** Waits for one payload on a hook with a caller-chosen token and returns it. */
export async function waitForHook(token: string) {
  'use workflow';
  using hook = createHook<{ message: string }>({ token });
  const payload = await hook;
  return { received: payload.message };
}

async function readRequest(request: Request) {
  'use step';
  return { method: request.method, body: await request.text() };
}

/** Waits for one HTTP request on the run's webhook route and returns what it carried. */
export async function waitForWebhook() {
  'use workflow';
  using webhook = createWebhook();
  const request = await webhook;
  return await readRequest(request);
}

/** A hook raced against a sleep: reports which side won and what the hook carried. */
export async function hookOrTimeout(token: string, milliseconds: number) {
  'use workflow';
  using hook = createHook<{ message: string }>({ token });
  const winner = await Promise.race([
    hook.then((payload) => ({ winner: 'hook' as const, message: payload.message })),
    sleep(milliseconds).then(() => ({ winner: 'sleep' as const })),
  ]);
  return winner;
}
