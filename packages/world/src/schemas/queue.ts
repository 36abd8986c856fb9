import { z } from 'zod';

export type QueueKind = 'workflow' | 'step';

/** `__wkf_workflow_`, `__wkf_step_`, or with a namespace `__<ns>_wkf_workflow_` / `__<ns>_wkf_step_`. */
export const QueuePrefixSchema = z.string().regex(/^__(?:[a-z][a-z0-9]*_)?wkf_(?:workflow|step)_$/);
export type QueuePrefix = string;

export const ValidQueueNameSchema = z
  .string()
  .regex(/^__(?:[a-z][a-z0-9]*_)?wkf_(?:workflow|step)_.+$/s);
export type ValidQueueName = string;

export type MessageId = string & z.$brand<'MessageId'>;

const TraceCarrierSchema = z.record(z.string(), z.string());

/** Run creation data carried on a run's first message, for the resilient start. */
export const RunInputSchema = z.object({
  input: z.unknown(),
  deploymentId: z.string(),
  workflowName: z.string(),
  specVersion: z.number(),
  executionContext: z.record(z.string(), z.any()).optional(),
});
export type RunInput = z.infer<typeof RunInputSchema>;

export const WorkflowInvokePayloadSchema = z.object({
  runId: z.string(),
  traceCarrier: TraceCarrierSchema.optional(),
  requestedAt: z.coerce.date().optional(),
  replayDivergence: z.object({ eventId: z.string(), count: z.number() }).optional(),
  serverErrorRetryCount: z.number().optional(),
  runInput: RunInputSchema.optional(),
});
export type WorkflowInvokePayload = z.infer<typeof WorkflowInvokePayloadSchema>;

export const StepInvokePayloadSchema = z.object({
  workflowName: z.string(),
  workflowRunId: z.string(),
  workflowStartedAt: z.number(),
  stepId: z.string(),
  traceCarrier: TraceCarrierSchema.optional(),
  requestedAt: z.coerce.date().optional(),
});
export type StepInvokePayload = z.infer<typeof StepInvokePayloadSchema>;

export const HealthCheckPayloadSchema = z.object({
  __healthCheck: z.literal(true),
  correlationId: z.string(),
});
export type HealthCheckPayload = z.infer<typeof HealthCheckPayloadSchema>;

export const QueuePayloadSchema = z.union([
  WorkflowInvokePayloadSchema,
  StepInvokePayloadSchema,
  HealthCheckPayloadSchema,
]);
export type QueuePayload = z.infer<typeof QueuePayloadSchema>;

export interface QueueOptions {
  deploymentId?: string;
  /** While a message with this key is pending, delayed or in flight, no second one is created. */
  idempotencyKey?: string;
  headers?: Record<string, string>;
  /** Deliver no earlier than this many seconds from now. */
  delaySeconds?: number;
  specVersion?: number;
}

export interface QueueMessageMeta {
  /** 1-based delivery count; the runtime gives up on its own after attempt 48. */
  attempt: number;
  queueName: ValidQueueName;
  messageId: MessageId;
  requestId?: string;
}

/** `{timeoutSeconds}` asks for the same payload again after that many seconds (0 = now). */
export interface QueueRedelivery {
  timeoutSeconds: number;
}

export type QueueHandler = (
  message: unknown,
  meta: QueueMessageMeta,
) => Promise<void | QueueRedelivery>;
