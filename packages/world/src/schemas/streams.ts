/** One chunk of a stream: its absolute 0-based index and its bytes. */
export interface StreamChunk {
  index: number;
  data: Uint8Array;
}

export interface GetChunksOptions {
  /** Default 100, maximum 1000. */
  limit?: number;
  cursor?: string;
}

export interface StreamInfoResponse {
  /** Index of the last data chunk; -1 while there is none. */
  tailIndex: number;
  /** The stream was closed. */
  done: boolean;
}

export interface StreamChunksResponse {
  data: StreamChunk[];
  /** Null when `hasMore` is false. */
  cursor: string | null;
  /** More already-written chunks exist beyond this page. */
  hasMore: boolean;
  done: boolean;
}
