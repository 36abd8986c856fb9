import { waitFor } from '@worldkit/world-testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { createWorld, type PostgresWorld } from '../src/index.js';
import { APPLICATION_NAME, Notifications } from '../src/notifications.js';
import { DATABASE_URL, dropSchema, randomSchema } from './helpers.js';

const schema = randomSchema();
const RUN = 'wrun_streams';
let writer: PostgresWorld;
let reader: PostgresWorld;
const admin = new pg.Client({ connectionString: DATABASE_URL });

beforeAll(async () => {
  await admin.connect();
  writer = createWorld({ connectionString: DATABASE_URL, schema });
  // A second instance on its own pool: reading across connections, as another process would.
  reader = createWorld({
    connectionString: DATABASE_URL,
    schema,
    maxPoolSize: 3,
    pollIntervalMs: 60_000,
  });
  await writer.migrate();
});

afterAll(async () => {
  await writer.close();
  await reader.close();
  await admin.end();
  await dropSchema(schema);
});

/**
 * Holds the result of the first stream read on `pool` (after the query ran on the server) until
 * released, so a test can write while a reader's look is in flight.
 */
function gateStreamReads(pool: pg.Pool) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markHeld!: () => void;
  const held = new Promise<void>((resolve) => {
    markHeld = resolve;
  });
  let armed = true;
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (
    ...args: unknown[]
  ) => {
    const result = await query(...args);
    const text = (args[0] as { text?: string }).text ?? String(args[0]);
    if (armed && text.includes('stream_chunks')) {
      armed = false;
      markHeld();
      await gate;
    }
    return result;
  };
  return { held, release };
}

/** The server pids of idle LISTEN connections of this schema's Worlds. */
async function listenConnections(): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
     WHERE application_name = $1 AND state = 'idle' AND query ILIKE 'LISTEN%' AND query LIKE $2`,
    [APPLICATION_NAME, `%${schema}:stream%`],
  );
  return rows.map((row) => row.pid);
}

/** Reads chunks from a live stream as they arrive. */
function collect(stream: ReadableStream<Uint8Array>) {
  const chunks: number[][] = [];
  let done = false;
  let error: unknown;
  const reading = (async () => {
    const reader = stream.getReader();
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        chunks.push([...next.value]);
      }
      done = true;
    } catch (caught) {
      error = caught;
    }
  })();
  return {
    chunks,
    reading,
    get done() {
      return done;
    },
    get error() {
      return error;
    },
  };
}

describe('streams', () => {
  it('keeps order and indices, skips empty chunks on read, and reports info consistently', async () => {
    const name = 'strm_order';
    await writer.writeToStream(name, RUN, new Uint8Array([1]));
    await writer.writeToStream(name, RUN, 'hi');
    await writer.writeToStream(name, RUN, new Uint8Array([]));
    await writer.writeToStreamMulti!(name, RUN, [new Uint8Array([2]), new Uint8Array([3, 4])]);
    expect(await writer.getStreamInfo(name, RUN)).toEqual({ tailIndex: 4, done: false });
    await writer.closeStream(name, RUN);
    await writer.writeToStream(name, RUN, new Uint8Array([99]));
    expect(await writer.getStreamInfo(name, RUN)).toEqual({ tailIndex: 4, done: true });

    const all = collect(await reader.readFromStream(name));
    await all.reading;
    expect(all.chunks).toEqual([[1], [104, 105], [2], [3, 4]]);
    const tail = collect(await reader.readFromStream(name, -2));
    await tail.reading;
    expect(tail.chunks).toEqual([[2], [3, 4]]);
    const beyond = collect(await reader.readFromStream(name, 10));
    await beyond.reading;
    expect(beyond.chunks).toEqual([]);

    const page1 = await reader.getStreamChunks(name, RUN, { limit: 2 });
    expect(page1.data.map((c) => c.index)).toEqual([0, 1]);
    expect(page1).toMatchObject({ hasMore: true, done: true });
    const page2 = await reader.getStreamChunks(name, RUN, { limit: 10, cursor: page1.cursor! });
    expect(page2.data.map((c) => [c.index, [...c.data]])).toEqual([
      [2, []],
      [3, [2]],
      [4, [3, 4]],
    ]);
    expect(page2).toMatchObject({ hasMore: false, cursor: null, done: true });
    await expect(reader.getStreamChunks(name, RUN, { cursor: 'nope' })).rejects.toMatchObject({
      status: 400,
    });
  });

  it('tails a stream that does not exist yet, from another instance, until EOF', async () => {
    const name = 'strm_live';
    const live = collect(await reader.readFromStream(name, 1));
    await writer.writeToStream(name, RUN, new Uint8Array([10]));
    await writer.writeToStream(name, RUN, new Uint8Array([11]));
    await waitFor(() => live.chunks.length === 1, {
      what: 'the first chunk after the start index',
    });
    expect(live.chunks).toEqual([[11]]);
    await writer.writeToStream(name, RUN, new Uint8Array([12]));
    await writer.closeStream(name, RUN);
    await live.reading;
    expect(live.chunks).toEqual([[11], [12]]);
    expect(live.done).toBe(true);
    expect(await writer.listStreamsByRunId(RUN)).toEqual(['strm_order', 'strm_live']);
  });

  it('keeps a wake-up that arrives while the reader is looking', async () => {
    // The reader's look runs before the write, and its (empty) result comes back only after the
    // write's NOTIFY: that wake-up must not be lost, or the reader sleeps until its next poll.
    const name = 'strm_woken_while_looking';
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const look = gateStreamReads(pool);
    const gated = createWorld({ pool, schema, pollIntervalMs: 60_000 });
    const probe = new pg.Client({ connectionString: DATABASE_URL });
    const notified: string[] = [];
    try {
      await probe.connect();
      probe.on('notification', (message) => notified.push(message.payload ?? ''));
      await probe.query(`LISTEN "${schema}:stream"`);
      const listenersBefore = await listenConnections();

      const live = collect(await gated.readFromStream(name));
      await look.held;
      // The reader's own LISTEN is in effect once its connection is idle after it.
      await waitFor(async () => (await listenConnections()).length > listenersBefore.length, {
        what: "the reader's LISTEN",
      });
      await writer.writeToStream(name, RUN, new Uint8Array([7]));
      await waitFor(() => notified.includes(name), { what: 'the NOTIFY of the write' });
      // Give the reader's connection, which got the same NOTIFY, a moment to hand it over.
      await new Promise((resolve) => setTimeout(resolve, 100));
      look.release();

      await waitFor(() => live.chunks.length === 1, {
        what: 'the chunk whose wake-up came during the look',
      });
      expect(live.chunks).toEqual([[7]]);
      await writer.closeStream(name, RUN);
      await live.reading;
    } finally {
      look.release();
      await gated.close();
      await probe.end();
      await pool.end();
    }
  });

  it('keeps a reader going when its LISTEN connection is terminated', async () => {
    const name = 'strm_listen_drop';
    const live = collect(await reader.readFromStream(name));
    await writer.writeToStream(name, RUN, new Uint8Array([1]));
    // The reader polls only once a minute: this chunk can only arrive by NOTIFY.
    await waitFor(() => live.chunks.length === 1, { what: 'a chunk woken by NOTIFY' });

    const { rows } = await admin.query(
      `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
       WHERE application_name = $1 AND query ILIKE 'LISTEN%' AND query LIKE $2`,
      [APPLICATION_NAME, `%${schema}%`],
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.terminated)).toBe(true);

    await writer.writeToStream(name, RUN, new Uint8Array([2]));
    await waitFor(() => live.chunks.length === 2, {
      what: 'a chunk written while LISTEN was down',
    });
    // The new listening connection is up: a chunk arrives by NOTIFY again.
    await writer.writeToStream(name, RUN, new Uint8Array([3]));
    await waitFor(() => live.chunks.length === 3, { what: 'a chunk after the reconnect' });
    await writer.closeStream(name, RUN);
    await live.reading;
    expect(live.chunks).toEqual([[1], [2], [3]]);
  });

  it('wakes subscribers when their LISTEN takes effect, for what was sent before it', async () => {
    // A reader looks at the table, then waits for NOTIFY; a chunk written between its look and
    // the LISTEN taking effect sends a notification nobody hears. The wake-up that follows every
    // LISTEN (first connection, new channel, reconnect) makes the reader look again.
    const notifications = new Notifications(
      resolveConfig({ connectionString: DATABASE_URL, schema }),
    );
    try {
      const woken: string[] = [];
      notifications.subscribe(notifications.channel('stream'), (payload) => woken.push(payload));
      await waitFor(() => woken.includes('*'), { what: 'the wake-up after the first LISTEN' });
      notifications.subscribe(notifications.channel('queue'), (payload) =>
        woken.push(`queue:${payload}`),
      );
      await waitFor(() => woken.includes('queue:*'), {
        what: 'the wake-up after a new channel LISTEN',
      });
    } finally {
      await notifications.close();
    }
  });

  it('errors open readers when the World closes', async () => {
    const closing = createWorld({ connectionString: DATABASE_URL, schema, maxPoolSize: 2 });
    const open = collect(await closing.readFromStream('strm_never_written'));
    await closing.close();
    await open.reading;
    expect(open.error).toMatchObject({ name: 'WorkflowWorldError' });
  });

  it('refuses bad names and chunks', async () => {
    await expect(writer.writeToStream('', RUN, 'x')).rejects.toMatchObject({ status: 400 });
    await expect(
      writer.writeToStream('strm_bad', RUN, 42 as unknown as string),
    ).rejects.toMatchObject({ status: 400 });
  });
});
