import { pollUntil } from '../../../e2e/src/harness/wait.js';
import { type AppClient, ControlError } from './client.js';

/**
 * Resumes the hook with `token` once its run has created it. `resumeHook()` refuses a token no
 * hook holds yet with `HookNotFoundError`, which commits nothing, so asking again is safe; any
 * other error is thrown (a retry could then append a second `hook_received`).
 */
export function resumeWhenCreated(
  client: Pick<AppClient, 'resume'>,
  token: string,
  payload: unknown,
  timeoutMs = 60_000,
): Promise<string> {
  return pollUntil(
    `hook ${token} to be created`,
    async () => {
      try {
        return await client.resume(token, payload);
      } catch (error) {
        if (error instanceof ControlError && error.described.name === 'HookNotFoundError') {
          return undefined;
        }
        throw error;
      }
    },
    { timeoutMs, intervalMs: 20 },
  );
}
