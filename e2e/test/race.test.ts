import { describe, expect, test } from 'vitest';
import { selectedTargets } from '../src/harness/targets.js';
import { ciRaceOptions, runRace } from '../src/race/driver.js';
import { raceDetails, raceTable } from '../src/race/report.js';

/**
 * The CI-sized race: hook/sleep races with payload bursts at the sleep deadlines and step
 * storms, across several processes on each World. No run may be corrupted or diverge, and the
 * World's guards must have fired (or the race was not exercised). Runtime 4.8.9 never sends
 * `lastKnownEventId`, so the fence cannot fire here: the precondition guard (412) and the
 * creation/completion conflicts (409) are what the runtime exercises.
 */
describe.each(selectedTargets().filter((target) => target.multiProcess))(
  'race on $name',
  (target) => {
    test('no run is corrupted, and the precondition guard and conflicts fired', async () => {
      const report = await runRace(target, ciRaceOptions(), 'race-ci');
      console.log(`${raceTable([report])}\n${raceDetails(report)}`);
      expect(report.runs).toBeGreaterThan(0);
      expect(report.corrupted).toBe(0);
      expect(report.divergences).toBe(0);
      // A consistent log never makes a replay diverge, not even once before recovering.
      expect(report.divergenceRecoveries).toBe(0);
      expect(report.failuresByCode).toEqual({});
      expect(report.wrongResults).toBe(0);
      expect(report.completed).toBe(report.runs);
      expect(report.guardRefusals).toBeGreaterThan(0);
      expect(report.conflicts).toBeGreaterThan(0);
    });
  },
);
