/**
 * A child process that opens a World over a shared backend and performs calls for the parent
 * (the multi-process conformance cases). Protocol over IPC with structured-clone serialization,
 * so `Uint8Array` and `Date` cross intact: `{id, path, args}` → `{id, ok, value | error}`.
 */
import type { World } from '@worldkit/world';
import { factoryOf, importWorldModule } from './load-world.js';

interface Call {
  id: number;
  path: string;
  args: unknown[];
}

function errorFields(error: unknown) {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  return {
    name: record.name ?? 'Error',
    message: record.message ?? String(error),
    status: record.status,
    code: record.code,
    field: record.field,
  };
}

async function invoke(world: World, path: string, args: unknown[]): Promise<unknown> {
  if (path === 'readStream') {
    // Reads a stream to its end (or `count` chunks) and returns the chunks.
    const [name, startIndex, count] = args as [string, number | undefined, number | undefined];
    const reader = (await world.readFromStream(name, startIndex)).getReader();
    const chunks: Uint8Array[] = [];
    while (count === undefined || chunks.length < count) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    await reader.cancel().catch(() => {});
    return chunks;
  }
  const segments = path.split('.');
  let target: unknown = world;
  for (const segment of segments.slice(0, -1))
    target = (target as Record<string, unknown>)[segment];
  const method = (target as Record<string, (...a: unknown[]) => unknown>)[segments.at(-1)!];
  if (typeof method !== 'function') throw new Error(`the World has no method ${path}`);
  return method.apply(target, args);
}

async function main(): Promise<void> {
  const specifier = process.env.WORLDKIT_CHILD_MODULE;
  if (!specifier || !process.send) throw new Error('host.ts runs as a forked child only');
  const timing = JSON.parse(process.env.WORLDKIT_CHILD_TIMING ?? '{}');
  const mod = await importWorldModule(specifier);
  const world = await factoryOf(mod, process.env.WORLDKIT_CHILD_EXPORT || undefined)(timing);
  process.on('message', (call: Call) => {
    void invoke(world, call.path, call.args).then(
      (value) => process.send!({ id: call.id, ok: true, value: value ?? null }),
      (error) => process.send!({ id: call.id, ok: false, error: errorFields(error) }),
    );
  });
  process.on('disconnect', () => {
    void Promise.resolve(world.close?.()).finally(() => process.exit(0));
  });
  process.send({ ready: true });
}

main().catch((error) => {
  process.stderr.write(`world host failed: ${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
