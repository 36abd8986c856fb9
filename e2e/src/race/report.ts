import type { RaceOptions, RaceReport } from './driver.js';

const columns: Array<[header: string, value: (report: RaceReport) => string | number]> = [
  ['World', (r) => r.world],
  ['runs', (r) => r.runs],
  ['completed', (r) => r.completed],
  ['failed', (r) => r.failed],
  ['corrupted', (r) => r.corrupted],
  ['divergences', (r) => r.divergences],
  ['wrong results', (r) => r.wrongResults],
  ['guard 412s', (r) => r.guardRefusals],
  ['conflicts', (r) => r.conflicts],
  ['fence 412s', (r) => r.fenceRefusals],
  ['divergence recoveries', (r) => r.divergenceRecoveries],
  ['wall time', (r) => `${(r.wallMs / 1000).toFixed(1)} s`],
];

/** A Markdown table, one row per World. */
export function raceTable(reports: RaceReport[]): string {
  const rows = [
    columns.map(([header]) => header),
    ...reports.map((r) => columns.map(([, value]) => String(value(r)))),
  ];
  const widths = columns.map((_, index) => Math.max(...rows.map((row) => row[index]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, index) => cell.padEnd(widths[index]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** What the World refused, by error and event type, and where runs failed. */
export function raceDetails(report: RaceReport): string {
  const lines = [`${report.world}:`];
  for (const [key, byType] of Object.entries(report.refusals)) {
    const types = Object.entries(byType).map(([type, count]) => `${type} ${count}`);
    lines.push(`  refused ${key}: ${types.join(', ')}`);
  }
  if (Object.keys(report.refusals).length === 0) lines.push('  no refusals');
  for (const [code, count] of Object.entries(report.failuresByCode))
    lines.push(`  failed runs ${code}: ${count}`);
  for (const [key, count] of Object.entries(report.payloadErrors)) {
    lines.push(`  resumeHook failed ${key}: ${count}`);
  }
  lines.push(
    `  hook payloads sent ${report.payloadsSent}, after the hook was gone ${report.payloadsWithoutHook}`,
  );
  return lines.join('\n');
}

export function describeOptions(options: RaceOptions): string {
  return Object.entries(options)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
}
