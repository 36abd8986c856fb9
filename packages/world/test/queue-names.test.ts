import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  getQueuePrefixKind,
  getQueueTopicPrefix,
  isValidQueueName,
  parseQueueName,
  resolveQueueNamespace,
  stepQueueName,
  workflowQueueName,
} from '../src/index.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect((error as Error).name).toBe('WorkflowWorldError');
    expect((error as { code?: string }).code).toBe('INVALID_INPUT');
    return (error as { field?: string }).field;
  }
  throw new Error('expected an InvalidInputError');
}

describe('queue names', () => {
  it('builds topic prefixes with and without a namespace', () => {
    expect(getQueueTopicPrefix('workflow')).toBe('__wkf_workflow_');
    expect(getQueueTopicPrefix('step')).toBe('__wkf_step_');
    expect(getQueueTopicPrefix('workflow', 'acme2')).toBe('__acme2_wkf_workflow_');
    expect(getQueueTopicPrefix('step', 'acme')).toBe('__acme_wkf_step_');
    expect(fieldOf(() => getQueueTopicPrefix('step', 'Acme'))).toBe('namespace');
    expect(fieldOf(() => getQueueTopicPrefix('step', '1abc'))).toBe('namespace');
    expect(fieldOf(() => getQueueTopicPrefix('job' as 'step'))).toBe('kind');
  });

  it('resolves the namespace from the argument, then WORKFLOW_QUEUE_NAMESPACE, read live', () => {
    expect(resolveQueueNamespace()).toBeUndefined();
    vi.stubEnv('WORKFLOW_QUEUE_NAMESPACE', 'fromenv');
    expect(resolveQueueNamespace()).toBe('fromenv');
    expect(resolveQueueNamespace('explicit')).toBe('explicit');
    vi.stubEnv('WORKFLOW_QUEUE_NAMESPACE', '');
    expect(resolveQueueNamespace()).toBeUndefined();
    vi.stubEnv('WORKFLOW_QUEUE_NAMESPACE', 'Bad-Name');
    expect(fieldOf(() => resolveQueueNamespace())).toBe('WORKFLOW_QUEUE_NAMESPACE');
    expect(fieldOf(() => resolveQueueNamespace('no_underscores'))).toBe('namespace');
  });

  it('parses names into prefix, kind and id, keeping every character of the id', () => {
    expect(parseQueueName('__wkf_workflow_workflow//./src/order//process')).toEqual({
      prefix: '__wkf_workflow_',
      kind: 'workflow',
      id: 'workflow//./src/order//process',
    });
    expect(parseQueueName('__ns1_wkf_step_step//./src/x@(1)[2]//fn')).toEqual({
      prefix: '__ns1_wkf_step_',
      kind: 'step',
      id: 'step//./src/x@(1)[2]//fn',
    });
    expect(parseQueueName('__wkf_step_health_check').id).toBe('health_check');
  });

  it.each([
    ['no id', '__wkf_workflow_'],
    ['unknown kind', '__wkf_job_x'],
    ['uppercase namespace', '__NS_wkf_step_x'],
    ['missing leading underscores', 'wkf_step_x'],
    ['empty', ''],
  ])('refuses a name with %s with an InvalidInputError on queueName', (_row, name) => {
    expect(fieldOf(() => parseQueueName(name))).toBe('queueName');
    expect(isValidQueueName(name)).toBe(false);
  });

  it('tells the kind of a prefix and refuses anything else', () => {
    expect(getQueuePrefixKind('__wkf_workflow_')).toBe('workflow');
    expect(getQueuePrefixKind('__x_wkf_step_')).toBe('step');
    expect(fieldOf(() => getQueuePrefixKind('__wkf_step_x'))).toBe('queuePrefix');
  });

  it('names workflow and step queues in the active namespace', () => {
    expect(workflowQueueName('workflow//./a//b')).toBe('__wkf_workflow_workflow//./a//b');
    expect(stepQueueName('step//./a//c')).toBe('__wkf_step_step//./a//c');
    vi.stubEnv('WORKFLOW_QUEUE_NAMESPACE', 'tenant');
    expect(workflowQueueName('w')).toBe('__tenant_wkf_workflow_w');
    expect(stepQueueName('s', 'other')).toBe('__other_wkf_step_s');
    expect(fieldOf(() => workflowQueueName(''))).toBe('workflowName');
    expect(fieldOf(() => stepQueueName(''))).toBe('stepName');
    expect(isValidQueueName(workflowQueueName('w'))).toBe(true);
  });
});
