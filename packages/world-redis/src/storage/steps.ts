import {
  EntityNotFoundError,
  type GetStepParams,
  isSafeId,
  type ListWorkflowRunStepsParams,
  pageOf,
  type Step,
  type Storage,
  stepForRead,
} from '@worldkit/world';
import { type StoreContext, transport } from '../store-context.js';
import { runOfCorrelation } from './correlation.js';
import { readEntities, readEntity } from './hashes.js';
import { emptyPage, isRunMember, lexIndex, pagedIndex } from './indexes.js';
import { stepFromFields } from './records.js';

/** `steps.get` (with or without the run id) and `steps.list`, in the run's creation order. */
export function stepReads(store: StoreContext): Storage['steps'] {
  const { keys } = store;
  return {
    get: (async (runId: string | undefined, stepId: string, params?: GetStepParams) =>
      transport(async () => {
        const owner = runId ?? (await runOfCorrelation(store, stepId));
        if (owner === undefined || !isSafeId(owner) || !isSafeId(stepId))
          throw new EntityNotFoundError('step', stepId);
        const step = await readEntity(store, keys.run(owner).step(stepId), (fields) =>
          stepFromFields(owner, stepId, fields),
        );
        if (step === undefined) throw new EntityNotFoundError('step', stepId);
        return stepForRead(step, params?.resolveData);
      })) as Storage['steps']['get'],

    list: (async (params: ListWorkflowRunStepsParams) =>
      transport(async () => {
        const page = pageOf('steps', params.pagination);
        if (!isSafeId(params.runId)) return emptyPage<Step>(page.cursor);
        const runKeys = keys.run(params.runId);
        const index = lexIndex(store, runKeys.steps, page.sortOrder, isRunMember);
        return pagedIndex<Step>(index, page.limit, page.cursor, (members) => {
          const stepIds = members.map((member) => member.slice(member.indexOf(' ') + 1));
          return readEntities(store, stepIds.map(runKeys.step), (fields, i) =>
            stepForRead(stepFromFields(params.runId, stepIds[i]!, fields), params.resolveData),
          );
        });
      })) as Storage['steps']['list'],
  };
}
