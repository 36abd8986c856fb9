import { InvalidInputError } from '../errors.js';
import type { QueueKind, QueuePrefix, ValidQueueName } from '../schemas/queue.js';

/**
 * Queue names as the runtime builds them: `__wkf_workflow_<workflowName>`,
 * `__wkf_step_<stepName>`, or with a namespace `__<ns>_wkf_workflow_…` / `__<ns>_wkf_step_…`.
 */

const NAMESPACE_PATTERN = /^[a-z][a-z0-9]*$/;
const QUEUE_NAME_PATTERN = /^(__(?:[a-z][a-z0-9]*_)?wkf_(workflow|step)_)(.+)$/s;
const PREFIX_PATTERN = /^__(?:[a-z][a-z0-9]*_)?wkf_(workflow|step)_$/;

export interface ParsedQueueName {
  /** The full prefix, namespace included, e.g. `__wkf_step_`. */
  prefix: QueuePrefix;
  kind: QueueKind;
  /** What follows the prefix: a workflow or step name, or `health_check`. */
  id: string;
}

/**
 * The active queue namespace: the argument, else `WORKFLOW_QUEUE_NAMESPACE` (read on every call),
 * else none. An empty value means none; anything but `[a-z][a-z0-9]*` is refused.
 */
export function resolveQueueNamespace(namespace?: string): string | undefined {
  const fromArgument = namespace !== undefined && namespace !== '';
  const resolved = fromArgument ? namespace : process.env.WORKFLOW_QUEUE_NAMESPACE;
  if (resolved === undefined || resolved === '') return undefined;
  if (!NAMESPACE_PATTERN.test(resolved)) {
    throw new InvalidInputError(
      fromArgument ? 'namespace' : 'WORKFLOW_QUEUE_NAMESPACE',
      `expected lowercase letters and digits starting with a letter, got ${JSON.stringify(resolved)}`,
    );
  }
  return resolved;
}

/** `__wkf_<kind>_`, or `__<namespace>_wkf_<kind>_`. The namespace is used as given (no env). */
export function getQueueTopicPrefix(kind: QueueKind, namespace?: string): QueuePrefix {
  if (kind !== 'workflow' && kind !== 'step') {
    throw new InvalidInputError('kind', `expected "workflow" or "step", got ${String(kind)}`);
  }
  if (namespace === undefined || namespace === '') return `__wkf_${kind}_`;
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new InvalidInputError(
      'namespace',
      `expected lowercase letters and digits starting with a letter, got ${JSON.stringify(namespace)}`,
    );
  }
  return `__${namespace}_wkf_${kind}_`;
}

/** The kind a queue prefix serves; throws `InvalidInputError` for anything but a prefix. */
export function getQueuePrefixKind(prefix: string): QueueKind {
  const match = typeof prefix === 'string' ? PREFIX_PATTERN.exec(prefix) : null;
  if (match === null) {
    throw new InvalidInputError(
      'queuePrefix',
      `expected __wkf_{workflow|step}_ or __<namespace>_wkf_{workflow|step}_, got ${JSON.stringify(prefix)}`,
    );
  }
  return match[1] as QueueKind;
}

/** Splits a queue name into prefix, kind and id; throws `InvalidInputError` on a bad name. */
export function parseQueueName(name: string): ParsedQueueName {
  const match = typeof name === 'string' ? QUEUE_NAME_PATTERN.exec(name) : null;
  if (match === null) {
    throw new InvalidInputError(
      'queueName',
      `expected a name starting with __wkf_{workflow|step}_ or __<namespace>_wkf_{workflow|step}_, got ${JSON.stringify(name)}`,
    );
  }
  return { prefix: match[1]!, kind: match[2] as QueueKind, id: match[3]! };
}

/** True when `name` parses as a queue name. */
export function isValidQueueName(name: unknown): name is ValidQueueName {
  return typeof name === 'string' && QUEUE_NAME_PATTERN.test(name);
}

/** The queue that wakes runs of `workflowName`, in the active namespace. */
export function workflowQueueName(workflowName: string, namespace?: string): ValidQueueName {
  return queueNameOf('workflow', workflowName, 'workflowName', namespace);
}

/**
 * The queue that runs the step `stepName`, in the active namespace. (Runtime 4.8.9 dispatches
 * steps without a namespace; queue handlers route by kind, so both names reach the step route.)
 */
export function stepQueueName(stepName: string, namespace?: string): ValidQueueName {
  return queueNameOf('step', stepName, 'stepName', namespace);
}

function queueNameOf(
  kind: QueueKind,
  id: string,
  field: string,
  namespace: string | undefined,
): ValidQueueName {
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidInputError(field, 'expected a non-empty string');
  }
  return getQueueTopicPrefix(kind, resolveQueueNamespace(namespace)) + id;
}
