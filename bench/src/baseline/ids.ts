/**
 * A baseline subject is a Worldkit World built from another revision, named after the subject it
 * is a build of and that revision's short hash: `worldkit-postgres@cf488a0`. No other subject id
 * has an `@`, so the name alone says which current subject it is compared with.
 */

export const baselineSubjectId = (currentId: string, shortSha: string): string =>
  `${currentId}@${shortSha}`;

export function parseBaselineSubjectId(
  id: string,
): { currentId: string; shortSha: string } | undefined {
  const at = id.lastIndexOf('@');
  if (at <= 0 || at === id.length - 1) return undefined;
  return { currentId: id.slice(0, at), shortSha: id.slice(at + 1) };
}

/** `subjects` with each baseline subject right after the subject it is a build of. */
export function besideCurrent<T extends { id: string }>(subjects: T[], baselines: T[]): T[] {
  const ofSubject = (id: string) =>
    baselines.filter((baseline) => parseBaselineSubjectId(baseline.id)?.currentId === id);
  const placed = subjects.flatMap((subject) => [subject, ...ofSubject(subject.id)]);
  return [...placed, ...baselines.filter((baseline) => !placed.includes(baseline))];
}

/** Every (current, baseline) pair among `ids` whose current subject is also there, in order. */
export function baselinePairs(ids: string[]): Array<{ current: string; baseline: string }> {
  return ids.flatMap((baseline) => {
    const parsed = parseBaselineSubjectId(baseline);
    return parsed && ids.includes(parsed.currentId)
      ? [{ current: parsed.currentId, baseline }]
      : [];
  });
}
