/**
 * Seeding the Redis World: the keys its createEvent script writes, copied from the templates
 * through pipelined writes. After the templates are written, every key under the store's prefix
 * is read once and sorted:
 *
 * - a key whose name holds a template's run id (the run scope: the run hash, its event log and
 *   order, its steps, hooks ever created) or a token digest is the template's, copied whole;
 * - in every other key (the global indexes: runs, runs by status, finished runs, correlation
 *   ids, active hooks), the members, fields and values naming a template's ids are its entries,
 *   added to the same key for each clone; anything naming no template (counters) stays as is.
 *
 * Copies swap the template's texts for the clone's (same length, so CBOR blobs stay valid), move
 * every epoch-ms time in the templates' window (hash fields, zset scores) by the clone's shift,
 * and give each clone a creation order of its own from the World's run counter, as
 * createEvent.lua's `create_run` does (`order` in the run hash, the score of the run indexes).
 */
import { type ChainableCommander, Redis } from 'ioredis';
import { batchesOf } from './batches.js';
import { compileBytes, type Rewrite } from './rewrite.js';
import type { Seeder } from './seeder.js';
import { type CloneMapping, cloneMapping, type Template, type Templates } from './templates.js';

const CLONES_PER_BATCH = 2_000;
/** The run hash's creation order and the counter it is drawn from (createEvent.lua). */
const ORDER_FIELD = 'order';
const ORDER_COUNTER_SUFFIX = ':run-order';

type KeyType = 'hash' | 'zset' | 'set' | 'string';
/** An item of a key: a hash field and value, a zset member and score, a set member, a value. */
type Item = [Buffer, Buffer?];

/** A value of a clone: its bytes, given the clone and its creation order. */
type Value = (mapping: CloneMapping, order: number) => Buffer | string;

interface CopiedKey {
  key: Rewrite<Buffer>;
  type: KeyType;
  items: Array<[Value, Value?]>;
}

interface Capture {
  /** Keys copied whole, per template. */
  whole: Map<Template, CopiedKey[]>;
  /** Shared keys and the items each template adds to them. */
  entries: Map<Template, CopiedKey[]>;
  orderCounter: string;
}

async function readKey(client: Redis, key: string, type: string): Promise<Item[]> {
  switch (type) {
    case 'hash':
      return pairs((await client.callBuffer('HGETALL', key)) as Buffer[]);
    case 'zset':
      return pairs(await client.zrangeBuffer(key, 0, -1, 'WITHSCORES'));
    case 'set':
      return (await client.smembersBuffer(key)).map((member) => [member]);
    case 'string':
      return [[(await client.getBuffer(key))!]];
    default:
      throw new Error(`${key} is a Redis ${type}, which the seeder does not copy`);
  }
}

function pairs(flat: Buffer[]): Item[] {
  const items: Item[] = [];
  for (let index = 0; index + 1 < flat.length; index += 2)
    items.push([flat[index]!, flat[index + 1]!]);
  return items;
}

const mentions = (bytes: Buffer, template: Template) =>
  template.texts.some((text) => bytes.includes(text));

function ownerOf(bytes: Buffer[], templates: Template[]): Template | undefined {
  const owners = templates.filter((template) => bytes.some((part) => mentions(part, template)));
  if (owners.length > 1) throw new Error(`one Redis item names ${owners.length} template runs`);
  return owners[0];
}

/**
 * How a clone's copy of one stored value is made: an epoch-ms time in the window is shifted, the
 * run's creation order becomes the clone's, anything else has its texts swapped.
 */
function copiedValue(
  bytes: Buffer,
  template: Template,
  window: Templates['window'],
  isOrder: boolean,
): Value {
  const text = bytes.toString('latin1');
  if (isOrder) return (_, order) => String(order);
  if (/^\d{13}$/.test(text) && Number(text) >= window.from && Number(text) <= window.to) {
    return (mapping) => String(Number(text) + mapping.shiftMs);
  }
  const rewrite = compileBytes(bytes, template.texts);
  return (mapping) => rewrite(mapping);
}

function copyOf(
  key: string,
  type: KeyType,
  items: Item[],
  template: Template,
  order: string,
  window: Templates['window'],
): CopiedKey {
  return {
    key: compileBytes(Buffer.from(key, 'latin1'), template.texts),
    type,
    items: items.map(([first, second]) => {
      const firstValue = copiedValue(first, template, window, false);
      if (second === undefined) return [firstValue];
      const isOrder =
        (type === 'hash' && first.toString('latin1') === ORDER_FIELD) ||
        (type === 'zset' &&
          first.toString('latin1') === template.runId &&
          second.toString() === order);
      return [firstValue, copiedValue(second, template, window, isOrder)];
    }),
  };
}

async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

async function capture(client: Redis, prefix: string, templates: Templates): Promise<Capture> {
  const whole = new Map<Template, CopiedKey[]>();
  const entries = new Map<Template, CopiedKey[]>();
  const orders = new Map<Template, string>();
  let orderCounter: string | undefined;
  const read: Array<{ key: string; type: KeyType; items: Item[] }> = [];
  for (const key of await scanKeys(client, `${prefix}:*`)) {
    const type = (await client.type(key)) as KeyType;
    read.push({ key, type, items: await readKey(client, key, type) });
    if (key.endsWith(ORDER_COUNTER_SUFFIX)) orderCounter = key;
  }
  // The order of each template run, from its run hash, before any key is compiled.
  for (const { key, type, items } of read) {
    const owner = ownerOf([Buffer.from(key, 'latin1')], templates.list);
    const order = items.find(([field]) => field.toString('latin1') === ORDER_FIELD)?.[1];
    if (owner && type === 'hash' && order) orders.set(owner, order.toString());
  }
  for (const { key, type, items } of read) {
    const owner = ownerOf([Buffer.from(key, 'latin1')], templates.list);
    if (owner) {
      const copy = copyOf(key, type, items, owner, orders.get(owner) ?? '', templates.window);
      whole.set(owner, [...(whole.get(owner) ?? []), copy]);
      continue;
    }
    const byOwner = new Map<Template, Item[]>();
    for (const item of items) {
      const itemOwner = ownerOf(
        item.filter((part) => part !== undefined),
        templates.list,
      );
      if (itemOwner) byOwner.set(itemOwner, [...(byOwner.get(itemOwner) ?? []), item]);
    }
    if (byOwner.size > 0 && type === 'string') throw new Error(`${key} names a template run`);
    for (const [itemOwner, owned] of byOwner) {
      const order = orders.get(itemOwner) ?? '';
      const copy = copyOf(key, type, owned, itemOwner, order, templates.window);
      entries.set(itemOwner, [...(entries.get(itemOwner) ?? []), copy]);
    }
  }
  for (const template of templates.list) {
    if (!orders.has(template)) throw new Error(`no run hash with an order for ${template.runId}`);
  }
  if (!orderCounter) throw new Error(`no run order counter under ${prefix}`);
  return { whole, entries, orderCounter };
}

const WRITE: Record<KeyType, string> = { hash: 'hset', zset: 'zadd', set: 'sadd', string: 'set' };

/** A copied key's items as the arguments of its write command (zset: score before member). */
function argumentsOf(
  copy: CopiedKey,
  mapping: CloneMapping,
  order: number,
): Array<Buffer | string> {
  const args: Array<Buffer | string> = [];
  for (const [first, second] of copy.items) {
    if (second === undefined) args.push(first(mapping, order));
    else if (copy.type === 'zset') args.push(second(mapping, order), first(mapping, order));
    else args.push(first(mapping, order), second(mapping, order));
  }
  return args;
}

/** Queues the writes of clones `numbers` (creation orders from `firstOrder` on) on `pipeline`. */
function writeBatch(
  pipeline: ChainableCommander,
  captured: Capture,
  templates: Templates,
  numbers: number[],
  firstOrder: number,
): void {
  const write = (type: KeyType, key: Buffer, args: Array<Buffer | string>) =>
    (pipeline as any)[WRITE[type]](key, ...args);
  const shared = new Map<string, { type: KeyType; key: Buffer; args: Array<Buffer | string> }>();
  for (const [index, n] of numbers.entries()) {
    const mapping = cloneMapping(templates, n);
    const order = firstOrder + index;
    for (const copy of captured.whole.get(mapping.template) ?? []) {
      write(copy.type, copy.key(mapping), argumentsOf(copy, mapping, order));
    }
    // Entries of shared keys go in one command per key and batch.
    for (const copy of captured.entries.get(mapping.template) ?? []) {
      const key = copy.key(mapping);
      const name = key.toString('latin1');
      const target = shared.get(name) ?? { type: copy.type, key, args: [] };
      target.args.push(...argumentsOf(copy, mapping, order));
      shared.set(name, target);
    }
  }
  for (const { type, key, args } of shared.values()) write(type, key, args);
}

export async function redisSeeder(
  location: { url: string; prefix: string },
  templates: Templates,
): Promise<Seeder> {
  const client = new Redis(location.url, { lazyConnect: true });
  await client.connect();
  try {
    const captured = await capture(client, location.prefix, templates);
    return {
      async grow(from, to, progress) {
        // One batch is written while the next is built: Redis and this process each keep busy.
        let writing: Promise<void> | undefined;
        for (const batch of batchesOf(from, to, CLONES_PER_BATCH)) {
          const last = await client.incrby(captured.orderCounter, batch.numbers.length);
          const pipeline = client.pipeline();
          writeBatch(pipeline, captured, templates, batch.numbers, last - batch.numbers.length + 1);
          await writing;
          writing = pipeline.exec().then((results) => {
            const failed = (results ?? []).find(([error]) => error);
            if (failed) throw failed[0];
            progress(batch.progress);
          });
        }
        await writing;
      },
      settle: async () => {},
      async bytes() {
        const info = await client.info('memory');
        return Number(/used_memory:(\d+)/.exec(info)?.[1]);
      },
      close: async () => {
        client.disconnect();
      },
    };
  } catch (error) {
    client.disconnect();
    throw error;
  }
}
