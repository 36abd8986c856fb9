import { conformanceHooks } from './conformance.js';
import { createWorld } from './world.js';

export type { Durability, LocalWorldOptions } from './config.js';
export { listQueuedMessages, type QueuedMessageSummary } from './queue/queued-messages.js';
export { createWorld, type LocalWorld } from './world.js';

export default createWorld;

/** How the conformance CLI opens this World: a temporary data directory per area. */
export const conformance = conformanceHooks(createWorld);
