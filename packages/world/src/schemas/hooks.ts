import { z } from 'zod';
import { type PaginationOptions, type ResolveData, SerializedDataSchema } from './shared.js';

/** An active hook. It is deleted, releasing its token, on dispose and when its run terminates. */
export const HookSchema = z.object({
  runId: z.string(),
  hookId: z.string(),
  token: z.string(),
  ownerId: z.string(),
  projectId: z.string(),
  environment: z.string(),
  metadata: SerializedDataSchema.optional(),
  createdAt: z.coerce.date(),
  specVersion: z.number().optional(),
  isWebhook: z.boolean().optional(),
});
export type Hook = z.infer<typeof HookSchema>;

export interface GetHookParams {
  resolveData?: ResolveData;
}

export interface ListHooksParams {
  runId?: string;
  pagination?: PaginationOptions;
  resolveData?: ResolveData;
}
