import { z } from 'zod';

/**
 * A serialized payload. Runs of spec version 2 and later always carry a `Uint8Array` (a format
 * prefix and a body the World treats as opaque bytes); the type stays open as in the contract.
 */
export type SerializedData = Uint8Array | unknown;
export const SerializedDataSchema: z.ZodType<SerializedData> = z.union([
  z.instanceof(Uint8Array),
  z.unknown(),
]);

/** `'none'` strips payload fields from what a read returns; `'all'` (the default) keeps them. */
export type ResolveData = 'none' | 'all';

export interface PaginationOptions {
  /** Page size; each World has a default and the maximum is 1000. */
  limit?: number;
  /** An opaque cursor from a previous page: the next page starts strictly after it. */
  cursor?: string;
  sortOrder?: 'asc' | 'desc';
}

export const PaginatedResponseSchema = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ data: z.array(item), cursor: z.string().nullable(), hasMore: z.boolean() });

export interface PaginatedResponse<T> {
  data: T[];
  /** Position after the last item; non-null even on the final page of events. */
  cursor: string | null;
  hasMore: boolean;
}

export const StructuredErrorSchema = z.object({
  message: z.string(),
  stack: z.string().optional(),
  code: z.string().optional(),
  /**
   * The error as the 5.x runtime sends it: its own serialization, opaque bytes. Kept whole so
   * that the 5.x face hands it back as it came (`error`, with `code` as `errorCode`).
   */
  serialized: z.custom<Uint8Array>((value) => value instanceof Uint8Array).optional(),
});
export type StructuredError = z.infer<typeof StructuredErrorSchema>;

/** The largest page a World returns, whatever `limit` asks for. */
export const MAX_PAGE_SIZE = 1000;
