import type { Redis } from 'ioredis';

/**
 * What the server's persistence settings guarantee, read with CONFIG GET (or INFO persistence
 * where CONFIG is disabled, as on many managed services). See the README's table.
 */
export interface PersistenceReport {
  appendonly: boolean | undefined;
  appendfsync: string | undefined;
  rdb: boolean | undefined;
}

export async function readPersistence(client: Redis): Promise<PersistenceReport> {
  try {
    const [, appendonly] = (await client.config('GET', 'appendonly')) as string[];
    const [, appendfsync] = (await client.config('GET', 'appendfsync')) as string[];
    const [, save] = (await client.config('GET', 'save')) as string[];
    return {
      appendonly: appendonly === 'yes',
      appendfsync,
      rdb: save !== undefined && save.trim() !== '',
    };
  } catch {
    const info = await client.info('persistence').catch(() => '');
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    const aof = field('aof_enabled');
    return {
      appendonly: aof === undefined ? undefined : aof === '1',
      appendfsync: undefined,
      rdb: undefined,
    };
  }
}

/** A warning to print at `start()`, or undefined when acknowledged writes survive a restart. */
export function persistenceWarning(report: PersistenceReport): string | undefined {
  if (report.appendonly === true) {
    return report.appendfsync === 'no'
      ? '[world-redis] appendfsync is "no": writes acknowledged in the last ~30 s may be lost if the host crashes.'
      : undefined;
  }
  if (report.appendonly === undefined) return undefined;
  return report.rdb
    ? '[world-redis] Redis runs with RDB snapshots only (appendonly no): workflow state written since the last snapshot is lost on a restart. Set appendonly yes.'
    : '[world-redis] Redis persistence is off (appendonly no, no RDB snapshots): every run, event and queued message is lost when Redis restarts. Set appendonly yes.';
}
