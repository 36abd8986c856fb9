import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecord, parseRecords, RECORD_HEADER_BYTES } from '../src/fs/record-log.js';
import { runCreated, useTempWorlds } from './helpers/temp-world.js';

const temp = useTempWorlds();

describe('record framing', () => {
  const a = encodeRecord({ n: 1, bytes: new Uint8Array([1, 2, 3]) });
  const b = encodeRecord({ n: 2, at: new Date(5) });

  it('reads back consecutive records with their offsets', () => {
    const parsed = parseRecords<{ n: number }>(Buffer.concat([a, b]), 100);
    expect(parsed.records.map((r) => r.value.n)).toEqual([1, 2]);
    expect(parsed.records[1]!.offset).toBe(100 + a.length);
    expect(parsed.validEnd).toBe(100 + a.length + b.length);
    expect(parsed.trailingBytes).toBe(0);
  });

  it('stops before a torn record, at every possible cut', () => {
    const whole = Buffer.concat([a, b]);
    for (let cut = a.length; cut < whole.length; cut++) {
      const parsed = parseRecords(whole.subarray(0, cut));
      expect(parsed.records).toHaveLength(1);
      expect(parsed.validEnd).toBe(a.length);
      expect(parsed.trailingBytes).toBe(cut - a.length);
    }
  });

  it('stops before a record whose body fails its checksum', () => {
    const corrupt = Buffer.from(b);
    corrupt[RECORD_HEADER_BYTES + 1]! ^= 0xff;
    const parsed = parseRecords(Buffer.concat([a, corrupt]));
    expect(parsed.records).toHaveLength(1);
    expect(parsed.trailingBytes).toBe(corrupt.length);
  });

  it('a torn tail on a run log is ignored by readers and truncated by the next writer', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir });
    const runId = (await world.events.create(null, runCreated())).run!.runId;
    await world.close();
    const log = path.join(dataDir, 'runs', `${runId}.log`);
    const sizeBefore = fs.statSync(log).size;
    fs.appendFileSync(log, encodeRecord({ garbage: true }).subarray(0, 20));

    const reopened = temp.world({ dataDir });
    expect((await reopened.events.list({ runId })).data).toHaveLength(1);
    await reopened.events.create(runId, { eventType: 'run_started', specVersion: 3 });
    const parsed = parseRecords(fs.readFileSync(log));
    expect(parsed.trailingBytes).toBe(0);
    expect(parsed.records).toHaveLength(2);
    expect(parsed.records[1]!.offset).toBe(sizeBefore);
    expect((await reopened.runs.get(runId)).status).toBe('running');
  });

  it('a batch is one record: cut anywhere inside it, none of its events survive', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir });
    const runId = (await world.events.create(null, { ...runCreated(), specVersion: 7 })).run!.runId;
    await world.events.create(runId, { eventType: 'run_started', specVersion: 7 });
    const log = path.join(dataDir, 'runs', `${runId}.log`);
    const sizeBefore = fs.statSync(log).size;
    const step = (stepId: string) => ({
      event: {
        eventType: 'step_created',
        specVersion: 7,
        correlationId: stepId,
        eventData: { stepName: 'step', input: new Uint8Array([1]) },
      },
    });
    await world.events.createBatch!(runId, [step('step_a'), step('step_b'), step('step_c')]);
    await world.close();
    const whole = fs.readFileSync(log);
    expect(parseRecords(whole).records, 'run_created, run_started, the batch').toHaveLength(3);

    for (const cut of [
      sizeBefore + 1,
      Math.floor((sizeBefore + whole.length) / 2),
      whole.length - 1,
    ]) {
      fs.writeFileSync(log, whole.subarray(0, cut));
      const reopened = temp.world({ dataDir });
      expect((await reopened.events.list({ runId })).data, `cut at ${cut}`).toHaveLength(2);
      expect((await reopened.steps.list({ runId })).data).toEqual([]);
      await reopened.close();
    }
  });
});
