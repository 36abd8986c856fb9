import { Cluster, type Redis, type RedisOptions } from 'ioredis';
import { defineScripts } from './scripts.js';
import { reconnectDelayMs, ServerClient } from './server-client.js';

/**
 * Connections shared at module scope, keyed by URL, so the two World instances a runtime creates
 * per process (and any number of tests) share one command connection. Each World takes a
 * reference on first use and gives it back on `close()`; the last one closes the connection.
 */
interface SharedClient {
  client: Redis;
  references: number;
}

const REGISTRY_KEY = Symbol.for('@worldkit/world-redis/connections');
const scope = globalThis as Record<symbol, Map<string, SharedClient> | undefined>;
const registry: Map<string, SharedClient> = scope[REGISTRY_KEY] ?? new Map();
scope[REGISTRY_KEY] = registry;

const BASE_OPTIONS: RedisOptions = {
  lazyConnect: true,
  // A command whose reply was lost in a disconnect is failed, never sent again: a script that
  // appended an event may have run, and resending it could append twice.
  autoResendUnfulfilledCommands: false,
  // Reconnect forever with a short, capped backoff: a restarted server is picked up by itself.
  // (A single-server client keeps this only once it has connected; see ServerClient.)
  retryStrategy: reconnectDelayMs,
  maxRetriesPerRequest: 20,
};

/** Where the World connects: one server (or a Sentinel-less primary), or a Redis Cluster. */
export interface Endpoint {
  /** A redis:// URL; for a cluster, one or more seed node URLs separated by commas. */
  url: string;
  cluster: boolean;
}

/**
 * A client for the endpoint. A Cluster client is returned as the `Redis` command interface both
 * share, so the rest of the World does not care which one it talks to.
 */
export function createClient(endpoint: Endpoint, options: RedisOptions = {}): Redis {
  const client = endpoint.cluster
    ? clusterClient(endpoint.url, options)
    : watched(new ServerClient(endpoint.url, { ...BASE_OPTIONS, ...options }));
  defineScripts(client);
  return client;
}

/**
 * A connection of its own for blocking reads (BLPOP, XREAD BLOCK), which hold it until they
 * return. Its commands wait through reconnections instead of failing after a number of retries:
 * the caller loops on them anyway.
 */
export function createBlockingClient(endpoint: Endpoint): Redis {
  return createClient(endpoint, { maxRetriesPerRequest: null });
}

function watched(client: Redis): Redis {
  client.on('close', () => failUnfulfilled(client));
  return client;
}

function clusterClient(urls: string, options: RedisOptions): Redis {
  const seeds = urls.split(',').map((url) => new URL(url.trim()));
  const first = seeds[0]!;
  const cluster = new Cluster(
    seeds.map((seed) => ({ host: seed.hostname, port: Number(seed.port || 6379) })),
    {
      lazyConnect: true,
      clusterRetryStrategy: reconnectDelayMs,
      redisOptions: {
        ...BASE_OPTIONS,
        ...options,
        ...(first.password === '' ? {} : { password: decodeURIComponent(first.password) }),
        ...(first.username === '' ? {} : { username: decodeURIComponent(first.username) }),
      },
    },
  );
  cluster.on('error', () => {});
  // Each node connection drops unanswered commands on a disconnect like a single client does.
  cluster.on('+node', (node: Redis) => node.on('close', () => failUnfulfilled(node)));
  return cluster as unknown as Redis;
}

interface QueuedCommand {
  command: { reject(error: Error): void };
}

/**
 * Fails the commands that were sent but not answered when the connection dropped. With
 * `autoResendUnfulfilledCommands: false` ioredis 5 drops them without settling their promises
 * (it keeps them in `prevCommandQueue` only to resend them), which would hang every caller, a
 * blocked BLPOP or XREAD included. Their callers see an error and retry at their own level.
 */
function failUnfulfilled(client: Redis): void {
  const internal = client as unknown as {
    prevCommandQueue?: { length: number; shift(): QueuedCommand | undefined } | null;
  };
  const queue = internal.prevCommandQueue;
  if (queue === undefined || queue === null) return;
  internal.prevCommandQueue = null;
  const error = new Error('connection lost before the reply: the command may or may not have run');
  while (queue.length > 0) queue.shift()?.command.reject(error);
}

export function acquireClient(endpoint: Endpoint): Redis {
  const key = registryKey(endpoint);
  let shared = registry.get(key);
  if (shared === undefined) {
    // No auto-pipelining: measured here, ioredis's per-batch Pipeline objects cost more CPU and
    // garbage than the write syscalls they save, at 1 and at 16 concurrent writers alike.
    shared = { client: createClient(endpoint), references: 0 };
    registry.set(key, shared);
  }
  shared.references += 1;
  return shared.client;
}

function registryKey(endpoint: Endpoint): string {
  return `${endpoint.cluster ? 'cluster' : 'single'} ${endpoint.url}`;
}

export async function releaseClient(endpoint: Endpoint, client: Redis): Promise<void> {
  const key = registryKey(endpoint);
  const shared = registry.get(key);
  if (shared === undefined || shared.client !== client) return;
  shared.references -= 1;
  if (shared.references > 0) return;
  registry.delete(key);
  await closeClient(client);
}

/** QUIT when connected, otherwise drop the connection attempt. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    await client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
}
