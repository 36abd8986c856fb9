import { createHook } from 'workflow';

/** Waits for one payload on a hook with a caller-chosen token and returns what it carried. */
export async function waitForHook(token: string) {
  'use workflow';
  using hook = createHook<{ message: string }>({ token });
  const { message } = await hook;
  return { received: message };
}
