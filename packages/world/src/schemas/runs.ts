import { z } from 'zod';
import type { WithoutPayloads } from './payloads.js';
import {
  type PaginationOptions,
  type ResolveData,
  SerializedDataSchema,
  StructuredErrorSchema,
} from './shared.js';

export const WorkflowRunStatusSchema = z.enum([
  'pending',
  'running',
  'completed',
  'failed',
  'cancelled',
]);
export type WorkflowRunStatus = z.infer<typeof WorkflowRunStatusSchema>;

export const TERMINAL_RUN_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export type TerminalRunStatus = (typeof TERMINAL_RUN_STATUSES)[number];

export function isTerminalRunStatus(status: string): status is TerminalRunStatus {
  return (TERMINAL_RUN_STATUSES as readonly string[]).includes(status);
}

/** Plain string attributes a run is created with (spec 4 and later): `$parentRunId` and the like. */
export const RunAttributesSchema = z.record(z.string(), z.string());

const runFields = {
  runId: z.string(),
  deploymentId: z.string(),
  workflowName: z.string(),
  specVersion: z.number().optional(),
  executionContext: z.record(z.string(), z.any()).optional(),
  /** Present when the run was created with attributes. */
  attributes: RunAttributesSchema.optional(),
  input: SerializedDataSchema.optional(),
  expiredAt: z.coerce.date().optional(),
  startedAt: z.coerce.date().optional(),
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
};

/** A run; the status decides which of `output`, `error` and `completedAt` are present. */
export const WorkflowRunSchema = z.discriminatedUnion('status', [
  z.object({
    ...runFields,
    status: z.enum(['pending', 'running']),
    output: z.undefined().optional(),
    error: z.undefined().optional(),
    completedAt: z.undefined().optional(),
  }),
  z.object({
    ...runFields,
    status: z.literal('cancelled'),
    output: z.undefined().optional(),
    error: z.undefined().optional(),
    completedAt: z.coerce.date(),
  }),
  z.object({
    ...runFields,
    status: z.literal('completed'),
    output: SerializedDataSchema,
    error: z.undefined().optional(),
    completedAt: z.coerce.date(),
  }),
  z.object({
    ...runFields,
    status: z.literal('failed'),
    output: z.undefined().optional(),
    error: StructuredErrorSchema,
    completedAt: z.coerce.date(),
  }),
]);
export type WorkflowRun = z.infer<typeof WorkflowRunSchema>;
export type WorkflowRunWithoutData = WithoutPayloads<WorkflowRun>;

export interface GetWorkflowRunParams {
  resolveData?: ResolveData;
}

export interface ListWorkflowRunsParams {
  workflowName?: string;
  status?: WorkflowRunStatus;
  pagination?: PaginationOptions;
  resolveData?: ResolveData;
}
