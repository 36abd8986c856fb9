/**
 * Type-level compatibility with `@workflow/world` 4.5.0, checked by `pnpm typecheck` (this file
 * is compiled, never run). Each function compiles only while a Worldkit type is assignable to
 * the upstream one (or, for what the runtime hands a World, the other way round), so drift in
 * either package fails the build.
 */
import type * as Upstream from '@workflow/world';
import type {
  AnyEventRequest,
  CreateEventParams,
  Event,
  EventResult,
  Hook,
  PaginatedResponse,
  Queue,
  QueueHandler,
  QueueOptions,
  QueuePayload,
  Step,
  Storage,
  StreamChunksResponse,
  Streamer,
  StreamInfoResponse,
  Wait,
  WorkflowRun,
  World,
} from '../src/index.js';

// What a Worldkit World gives the runtime must fit what the runtime expects.
export const worldFits = (world: World): Upstream.World => world;
export const storageFits = (storage: Storage): Upstream.Storage => storage;
export const queueFits = (queue: Queue): Upstream.Queue => queue;
export const streamerFits = (streamer: Streamer): Upstream.Streamer => streamer;
export const eventResultFits = (result: EventResult): Upstream.EventResult => result;
export const eventFits = (event: Event): Upstream.Event => event;
export const runFits = (run: WorkflowRun): Upstream.WorkflowRun => run;
export const stepFits = (step: Step): Upstream.Step => step;
export const hookFits = (hook: Hook): Upstream.Hook => hook;
export const waitFits = (wait: Wait): Upstream.Wait => wait;
export const pageFits = (
  page: PaginatedResponse<Event>,
): Upstream.PaginatedResponse<Upstream.Event> => page;
export const streamInfoFits = (info: StreamInfoResponse): Upstream.StreamInfoResponse => info;
export const chunksFit = (chunks: StreamChunksResponse): Upstream.StreamChunksResponse => chunks;

// What the runtime hands a World must fit what a Worldkit World accepts.
export const createRequestAccepted = (request: Upstream.CreateEventRequest): AnyEventRequest =>
  request;
export const runCreatedAccepted = (request: Upstream.RunCreatedEventRequest): AnyEventRequest =>
  request;
export const createParamsAccepted = (params: Upstream.CreateEventParams): CreateEventParams =>
  params;
export const queuePayloadAccepted = (payload: Upstream.QueuePayload): QueuePayload => payload;
export const queueOptionsAccepted = (options: Upstream.QueueOptions): QueueOptions => options;
export const queueHandlerAccepted = (
  handler: Parameters<Upstream.Queue['createQueueHandler']>[1],
): QueueHandler => handler;
