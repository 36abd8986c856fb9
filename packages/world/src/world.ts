import type { BatchEventRequest, CreateEventBatchParams, EventBatchResult } from './batch.js';
import type { PruneOptions, PruneReport } from './retention.js';
import type {
  CreateEventParams,
  CreateEventRequest,
  Event,
  EventResult,
  GetEventParams,
  ListEventsByCorrelationIdParams,
  ListEventsParams,
  RunCreatedEventRequest,
} from './schemas/events.js';
import type { GetHookParams, Hook, ListHooksParams } from './schemas/hooks.js';
import type {
  MessageId,
  QueueHandler,
  QueueOptions,
  QueuePayload,
  QueuePrefix,
  ValidQueueName,
} from './schemas/queue.js';
import type {
  GetWorkflowRunParams,
  ListWorkflowRunsParams,
  WorkflowRun,
  WorkflowRunWithoutData,
} from './schemas/runs.js';
import type { PaginatedResponse } from './schemas/shared.js';
import type {
  GetStepParams,
  ListWorkflowRunStepsParams,
  Step,
  StepWithoutData,
} from './schemas/steps.js';
import type {
  GetChunksOptions,
  StreamChunksResponse,
  StreamInfoResponse,
} from './schemas/streams.js';

/** The spec version Worldkit Worlds declare: runtime 4.8.9 creates runs at this version. */
export const SPEC_VERSION_CURRENT = 3;

export interface Storage {
  runs: {
    get(
      id: string,
      params: GetWorkflowRunParams & { resolveData: 'none' },
    ): Promise<WorkflowRunWithoutData>;
    get(id: string, params?: GetWorkflowRunParams & { resolveData?: 'all' }): Promise<WorkflowRun>;
    get(id: string, params?: GetWorkflowRunParams): Promise<WorkflowRun | WorkflowRunWithoutData>;
    list(
      params: ListWorkflowRunsParams & { resolveData: 'none' },
    ): Promise<PaginatedResponse<WorkflowRunWithoutData>>;
    list(
      params?: ListWorkflowRunsParams & { resolveData?: 'all' },
    ): Promise<PaginatedResponse<WorkflowRun>>;
    list(
      params?: ListWorkflowRunsParams,
    ): Promise<PaginatedResponse<WorkflowRun | WorkflowRunWithoutData>>;
  };
  steps: {
    get(
      runId: string | undefined,
      stepId: string,
      params: GetStepParams & { resolveData: 'none' },
    ): Promise<StepWithoutData>;
    get(
      runId: string | undefined,
      stepId: string,
      params?: GetStepParams & { resolveData?: 'all' },
    ): Promise<Step>;
    get(
      runId: string | undefined,
      stepId: string,
      params?: GetStepParams,
    ): Promise<Step | StepWithoutData>;
    list(
      params: ListWorkflowRunStepsParams & { resolveData: 'none' },
    ): Promise<PaginatedResponse<StepWithoutData>>;
    list(
      params: ListWorkflowRunStepsParams & { resolveData?: 'all' },
    ): Promise<PaginatedResponse<Step>>;
    list(params: ListWorkflowRunStepsParams): Promise<PaginatedResponse<Step | StepWithoutData>>;
  };
  events: {
    /** Appends one event and updates the entities it touches, atomically. The only write. */
    create(
      runId: string | null,
      data: RunCreatedEventRequest,
      params?: CreateEventParams,
    ): Promise<EventResult>;
    create(
      runId: string,
      data: CreateEventRequest,
      params?: CreateEventParams,
    ): Promise<EventResult>;
    /**
     * Optional: several events of one run in one atomic write, each decided as its own
     * `events.create` would be (the 5.x line's batch; see `batch.ts`).
     */
    createBatch?(
      runId: string,
      events: BatchEventRequest[],
      params?: CreateEventBatchParams,
    ): Promise<EventBatchResult>;
    get(runId: string, eventId: string, params?: GetEventParams): Promise<Event>;
    list(params: ListEventsParams): Promise<PaginatedResponse<Event>>;
    listByCorrelationId(params: ListEventsByCorrelationIdParams): Promise<PaginatedResponse<Event>>;
  };
  hooks: {
    get(hookId: string, params?: GetHookParams): Promise<Hook>;
    getByToken(token: string, params?: GetHookParams): Promise<Hook>;
    list(params: ListHooksParams): Promise<PaginatedResponse<Hook>>;
  };
}

export interface Queue {
  getDeploymentId(): Promise<string>;
  /** Resolves once the message is durable. */
  queue(
    queueName: ValidQueueName,
    message: QueuePayload,
    opts?: QueueOptions,
  ): Promise<{ messageId: MessageId | null }>;
  /** An HTTP handler for the app's queue routes. Called detached, so it must not use `this`. */
  createQueueHandler(
    queueNamePrefix: QueuePrefix,
    handler: QueueHandler,
  ): (req: Request) => Promise<Response>;
}

export interface Streamer {
  streamFlushIntervalMs?: number;
  writeToStream(name: string, runId: string, chunk: string | Uint8Array): Promise<void>;
  writeToStreamMulti?(name: string, runId: string, chunks: (string | Uint8Array)[]): Promise<void>;
  closeStream(name: string, runId: string): Promise<void>;
  /** A live, tailing stream; a negative start counts back from the current end. */
  readFromStream(name: string, startIndex?: number): Promise<ReadableStream<Uint8Array>>;
  listStreamsByRunId(runId: string): Promise<string[]>;
  getStreamChunks(
    name: string,
    runId: string,
    options?: GetChunksOptions,
  ): Promise<StreamChunksResponse>;
  getStreamInfo(name: string, runId: string): Promise<StreamInfoResponse>;
}

/**
 * The guarantees a World gives, so that clients and the conformance suite check instead of guess.
 * A guarantee a World does not declare is reported as not applicable, never as passed.
 */
export interface WorldCapabilities {
  /** `lastKnownEventId` is enforced as a compare-and-set on the run's newest event. */
  lastKnownEventIdFence: boolean;
  /** `stateUpdatedAt` is enforced exactly as the precondition guard. */
  stateUpdatedAtGuard: boolean;
  /** Pending, delayed and in-flight queue messages survive a restart of every process. */
  durableQueue: boolean;
  /** Entities, events and streams survive closing the World and opening a new instance. */
  durableStorage: boolean;
  /** Several processes may share the backend: writes stay atomic and readers tail across them. */
  multiProcess: boolean;
  /**
   * `prune()` deletes finished runs older than an age with all they own, one whole run at a
   * time, and a retention policy does it in the background (see `retention.ts`).
   */
  retention?: boolean;
  /**
   * `events.createBatch` appends several events of one run in one atomic write, at consecutive
   * positions, each decided as its own `events.create` would be (see `batch.ts`).
   */
  batchWrites?: boolean;
}

/** Every guarantee a World can declare: what each Worldkit World gives. */
export const EVERY_CAPABILITY: WorldCapabilities = {
  lastKnownEventIdFence: true,
  stateUpdatedAtGuard: true,
  durableQueue: true,
  durableStorage: true,
  multiProcess: true,
  retention: true,
  batchWrites: true,
};

export interface World extends Storage, Queue, Streamer {
  specVersion?: number;
  /** Worldkit extension: the guarantees this World gives. */
  capabilities?: WorldCapabilities;
  /** Starts consumers and recovery. Idempotent. Storage and `queue()` work without it. */
  start?(): Promise<void>;
  /** Stops consumers and releases resources. Idempotent; the instance is unusable afterwards. */
  close?(): Promise<void>;
  /**
   * Worldkit extension, on Worlds that declare `retention`: deletes finished runs older than an
   * age with everything they own, one whole run at a time (see `retention.ts`).
   */
  prune?(options: PruneOptions): Promise<PruneReport>;
  resolveLatestDeploymentId?(): Promise<string>;
  getEncryptionKeyForRun?(run: WorkflowRun): Promise<Uint8Array | undefined>;
  getEncryptionKeyForRun?(
    runId: string,
    context?: Record<string, unknown>,
  ): Promise<Uint8Array | undefined>;
}
