import { z } from 'zod';

export const WaitStatusSchema = z.enum(['waiting', 'completed']);
export type WaitStatus = z.infer<typeof WaitStatusSchema>;

/** A sleep of a run; its id is `${runId}-${correlationId}`. It completes at most once. */
export const WaitSchema = z.object({
  waitId: z.string(),
  runId: z.string(),
  status: WaitStatusSchema,
  resumeAt: z.coerce.date().optional(),
  completedAt: z.coerce.date().optional(),
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
  specVersion: z.number().optional(),
});
export type Wait = z.infer<typeof WaitSchema>;

export function waitIdOf(runId: string, correlationId: string): string {
  return `${runId}-${correlationId}`;
}
