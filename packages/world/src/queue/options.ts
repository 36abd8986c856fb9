import { InvalidInputError } from '../errors.js';
import type { QueueOptions } from '../schemas/queue.js';

/** `opts.delaySeconds` of `queue()`, checked: a finite, non-negative number; 0 when absent. */
export function queueDelaySeconds(options: QueueOptions): number {
  const delaySeconds = options.delaySeconds ?? 0;
  if (typeof delaySeconds !== 'number' || !Number.isFinite(delaySeconds) || delaySeconds < 0) {
    throw new InvalidInputError('opts.delaySeconds', 'expected a non-negative number of seconds');
  }
  return delaySeconds;
}

/** `opts.idempotencyKey` of `queue()`, checked: absent, or a non-empty string. */
export function queueIdempotencyKey(options: QueueOptions): string | undefined {
  const key = options.idempotencyKey;
  if (key !== undefined && (typeof key !== 'string' || key === '')) {
    throw new InvalidInputError('opts.idempotencyKey', 'expected a non-empty string');
  }
  return key;
}
