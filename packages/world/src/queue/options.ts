import { assertStorable } from '../codec/storable.js';
import { InvalidInputError } from '../errors.js';
import type { QueueKind, QueueOptions } from '../schemas/queue.js';
import { assertNoNul } from '../validation.js';
import { parseQueueName } from './names.js';

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

/** `opts.headers` of `queue()`, checked: absent, or an object of string values. */
export function queueHeaders(options: QueueOptions): Record<string, string> | undefined {
  const { headers } = options;
  if (
    headers !== undefined &&
    (typeof headers !== 'object' ||
      headers === null ||
      Array.isArray(headers) ||
      Object.values(headers).some((value) => typeof value !== 'string'))
  ) {
    throw new InvalidInputError('opts.headers', 'expected an object of string values');
  }
  return headers;
}

/** A `queue()` call checked by the one rule every World follows; refusals name the field. */
export interface QueueCall {
  kind: QueueKind;
  /** The run a workflow message wakes: worlds track it so recovery can skip runs that have one. */
  wakesRun: string | undefined;
  delaySeconds: number;
  idempotencyKey: string | undefined;
  headers: Record<string, string> | undefined;
}

export function checkQueueCall(
  queueName: string,
  payload: unknown,
  options: QueueOptions | undefined = {},
): QueueCall {
  const { kind } = parseQueueName(queueName);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidInputError('payload', 'expected a workflow, step or health-check payload');
  }
  assertStorable(payload, 'payload');
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('opts', 'expected an object');
  }
  if (options.deploymentId !== undefined && typeof options.deploymentId !== 'string') {
    throw new InvalidInputError('opts.deploymentId', 'expected a string');
  }
  assertNoNul(options.deploymentId, 'opts.deploymentId');
  const runId = (payload as { runId?: unknown }).runId;
  return {
    kind,
    wakesRun: kind === 'workflow' && typeof runId === 'string' ? runId : undefined,
    delaySeconds: queueDelaySeconds(options),
    idempotencyKey: queueIdempotencyKey(options),
    headers: queueHeaders(options),
  };
}
