/** What the numbers were measured on: a benchmark without its machine is not a result. */
import os from 'node:os';
import { withPostgres, withRedis } from './services.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres?: string;
  redis?: string;
  /** 1, 5 and 15-minute load averages when the run started (and ended): how quiet it was. */
  loadAverage: number[];
  loadAverageEnd?: number[];
}

export const loadAverage = (): number[] =>
  os.loadavg().map((value) => Math.round(value * 100) / 100);

export async function describeMachine(): Promise<MachineInfo> {
  const cpus = os.cpus();
  const info: MachineInfo = {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: loadAverage(),
  };
  info.postgres = await withPostgres(async (client) => {
    const { rows } = await client.query('SHOW server_version');
    return String(rows[0]?.server_version ?? 'unknown').split(' ')[0];
  }).catch(() => undefined);
  info.redis = await withRedis(async (client) => {
    const server = await client.info('server');
    return /redis_version:(\S+)/.exec(server)?.[1];
  }).catch(() => undefined);
  return info;
}

export function machineLine(machine: MachineInfo): string {
  return (
    `${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB RAM, ${machine.os}, ` +
    `Node ${machine.node}, PostgreSQL ${machine.postgres ?? 'n/a'}, Redis ${machine.redis ?? 'n/a'}`
  );
}
