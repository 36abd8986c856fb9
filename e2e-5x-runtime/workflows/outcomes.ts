import { FatalError, getStepMetadata, RetryableError } from 'workflow';

async function succeedOnAttempt(winningAttempt: number): Promise<number> {
  'use step';
  const { attempt } = getStepMetadata();
  if (attempt < winningAttempt) {
    throw new RetryableError(`transient failure on attempt ${attempt}`, { retryAfter: 1 });
  }
  return attempt;
}

/** A step that throws a retryable error until `winningAttempt`: the result is that attempt. */
export async function retryThenSucceed(winningAttempt: number) {
  'use workflow';
  return { attempt: await succeedOnAttempt(winningAttempt) };
}

async function failFatally(message: string): Promise<never> {
  'use step';
  throw new FatalError(message);
}

/** A step's FatalError fails the run with the step's message, without a retry. */
export async function fatalFailure(message: string) {
  'use workflow';
  await failFatally(message);
  return 'unreachable';
}
