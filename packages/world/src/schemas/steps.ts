import { z } from 'zod';
import type { WithoutPayloads } from './payloads.js';
import {
  type PaginationOptions,
  type ResolveData,
  SerializedDataSchema,
  StructuredErrorSchema,
} from './shared.js';

export const StepStatusSchema = z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']);
export type StepStatus = z.infer<typeof StepStatusSchema>;

export const TERMINAL_STEP_STATUSES = ['completed', 'failed', 'cancelled'] as const;

export function isTerminalStepStatus(status: string): boolean {
  return (TERMINAL_STEP_STATUSES as readonly string[]).includes(status);
}

export const StepSchema = z.object({
  runId: z.string(),
  stepId: z.string(),
  stepName: z.string(),
  status: StepStatusSchema,
  input: SerializedDataSchema,
  output: SerializedDataSchema.optional(),
  error: StructuredErrorSchema.optional(),
  /** Number of `step_started` events so far: the runtime's retry accounting depends on it. */
  attempt: z.number(),
  /** Set by the first `step_started`, never changed after. */
  startedAt: z.coerce.date().optional(),
  completedAt: z.coerce.date().optional(),
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
  retryAfter: z.coerce.date().optional(),
  specVersion: z.number().optional(),
});
export type Step = z.infer<typeof StepSchema>;
export type StepWithoutData = WithoutPayloads<Step>;

export interface GetStepParams {
  resolveData?: ResolveData;
}

export interface ListWorkflowRunStepsParams {
  runId: string;
  pagination?: PaginationOptions;
  resolveData?: ResolveData;
}
