import { randomBytes } from 'node:crypto';
import { newId } from '@worldkit/world';

/** A unique, id-safe suffix: tests never share ids, names or tokens, even on a shared backend. */
export function uid(): string {
  return `${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

export const newRunId = () => newId('run');
export const newStepId = () => newId('step');
export const newHookId = () => newId('hook');
export const newWaitId = () => newId('wait');
export const newToken = () => `tok-${uid()}`;

/**
 * `count` new ids in ascending order: creating entities in this order makes creation order and
 * id order agree, whichever of the two (or `createdAt` with an id tie-break) a World sorts by.
 */
export function ascendingIds(count: number, make: () => string): string[] {
  return Array.from({ length: count }, make).sort();
}

export function workflowName(): string {
  return `workflow//./conformance//wf_${uid()}`;
}

/** A stream name as the runtime makes them for a user stream. */
export const streamName = () => `strm_${uid()}_user`;

export const workflowQueue = () => `__wkf_workflow_conformance_${uid()}`;
export const stepQueue = () => `__wkf_step_step//./conformance//s${uid()}`;
