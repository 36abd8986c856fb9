/** The soak's report: per World, the stores' size over time with and without retention. */
import { type MachineInfo, machineLine } from '../machine.js';
import { formatNumber } from '../stats.js';
import type { SoakPlan } from './plan.js';
import type { SoakSample, SoakVariant, SoakWorld } from './run.js';

export interface SoakReport {
  startedAt: string;
  wallSeconds: number;
  machine: MachineInfo;
  command: string;
  plan: SoakPlan;
  worlds: SoakWorld[];
}

const MIB = 2 ** 20;
const mib = (bytes: number) => `${formatNumber(bytes / MIB)} MiB`;
const count = (value: number) => value.toLocaleString('en-US');
const ms = (value: number | null) => (value === null ? '–' : formatNumber(value));

function sizeCell(sample: SoakSample): string {
  return sample.keys === undefined
    ? mib(sample.bytes)
    : `${mib(sample.bytes)} (${count(sample.keys)} keys)`;
}

function timeTable(withRetention: SoakVariant, withoutRetention: SoakVariant): string[] {
  const lines = [
    '| time (s) | size, with retention | runs stored | append p99 (ms) | size, without | runs stored | append p99 (ms) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [index, on] of withRetention.samples.entries()) {
    const off = withoutRetention.samples[index];
    if (!off) break;
    lines.push(
      `| ${Math.round(on.seconds)} | ${sizeCell(on)} | ${count(on.runsStored)} | ${ms(on.appendP99Ms)} | ` +
        `${sizeCell(off)} | ${count(off.runsStored)} | ${ms(off.appendP99Ms)} |`,
    );
  }
  return lines;
}

function summaryLine(name: string, variant: SoakVariant, plan: SoakPlan): string {
  const last = variant.samples.at(-1)!;
  const { lastHalf } = variant;
  const sign = lastHalf.bytes >= 0 ? '+' : '−';
  const append = variant.append
    ? `events.create p50 ${formatNumber(variant.append.p50)} ms, p99 ${formatNumber(variant.append.p99)} ms, max ${formatNumber(variant.append.max)} ms`
    : 'no events.create';
  const failures =
    variant.failures > 0
      ? `; ${count(variant.failures)} runs failed (${variant.firstFailure})`
      : '';
  return (
    `- **${name}**: ${mib(last.bytes)} at the end, ${sign}${mib(Math.abs(lastHalf.bytes))} ` +
    `(${sign}${formatNumber(Math.abs(lastHalf.share) * 100)}%) over the last half ` +
    `(from ${Math.round(lastHalf.fromSeconds)} s); ${count(last.runsStored)} runs stored of ` +
    `${count(variant.runsWritten)} written (${formatNumber(variant.achievedRate)} runs/s of ` +
    `${plan.rate}); ${append}${failures}`
  );
}

function worldSection(world: SoakWorld, plan: SoakPlan): string[] {
  const lines = [`### ${world.world}`, ''];
  if (world.failure || !world.withRetention || !world.withoutRetention) {
    return [...lines, `Failed: ${world.failure ?? 'no result'}`, ''];
  }
  return [
    ...lines,
    `Size: ${world.sizeMethod}.`,
    '',
    ...timeTable(world.withRetention, world.withoutRetention),
    '',
    summaryLine('With retention', world.withRetention, plan),
    summaryLine('Without', world.withoutRetention, plan),
    '',
  ];
}

export function describePlan(plan: SoakPlan): string {
  const { olderThan, intervalMs, batchSize } = plan.retention;
  return (
    `Each World: two fresh stores side by side, each written by ${plan.writers} writers at ` +
    `${plan.rate} runs/s for ${formatNumber(plan.durationMs / 1000)} s (a run: created, started, ` +
    'a hook, two steps with 64-byte payloads, a 256-byte stream chunk, completed: 10 events). ' +
    `With retention: \`retention: { olderThan: '${olderThan}', intervalMs: ${intervalMs}, ` +
    `batchSize: ${batchSize} }\` on createWorld, the World started and pruning by itself; ` +
    `without: no policy. Sizes sampled every ${formatNumber(plan.sampleEveryMs / 1000)} s; ` +
    'append p99 is the 99th percentile of events.create latencies since the previous sample.'
  );
}

export function renderSoakMarkdown(report: SoakReport): string {
  return [
    '# Worldkit soak: the store under a steady load, with and without retention',
    '',
    `${report.startedAt}, \`${report.command}\` (${report.plan.name}), ` +
      `${Math.round(report.wallSeconds)} s; ${machineLine(report.machine)}; load average ` +
      `${report.machine.loadAverage.join(' ')} at the start, ` +
      `${report.machine.loadAverageEnd?.join(' ') ?? '?'} at the end.`,
    '',
    describePlan(report.plan),
    '',
    ...report.worlds.flatMap((world) => worldSection(world, report.plan)),
  ].join('\n');
}
