import {
  type GetWorkflowRunParams,
  isSafeId,
  type ListWorkflowRunsParams,
  pageOf,
  runForRead,
  type Storage,
  WorkflowRunNotFoundError,
} from '@worldkit/world';
import { type StoreContext, transport } from '../store-context.js';
import { readEntities, readEntity } from './hashes.js';
import { pagedIndex, scoreIndex } from './indexes.js';
import { runFromFields } from './records.js';

/** `runs.get` and `runs.list`: run hashes, listed through the runs index (by status or all). */
export function runReads(store: StoreContext): Storage['runs'] {
  const { keys } = store;
  return {
    get: (async (runId: string, params?: GetWorkflowRunParams) =>
      transport(async () => {
        const run = isSafeId(runId)
          ? await readEntity(store, keys.run(runId).run, (fields) => runFromFields(runId, fields))
          : undefined;
        if (run === undefined) throw new WorkflowRunNotFoundError(runId);
        return runForRead(run, params?.resolveData);
      })) as Storage['runs']['get'],

    list: (async (params: ListWorkflowRunsParams = {}) =>
      transport(async () => {
        const page = pageOf('runs', params.pagination);
        const index =
          params.status === undefined ? keys.global.runs : keys.global.runsByStatus(params.status);
        return pagedIndex(
          scoreIndex(store, index, page.sortOrder),
          page.limit,
          page.cursor,
          (runIds) =>
            readEntities(
              store,
              runIds.map((runId) => keys.run(runId).run),
              (fields, i) => {
                const run = runFromFields(runIds[i]!, fields);
                if (params.status !== undefined && run.status !== params.status) return undefined;
                if (params.workflowName !== undefined && run.workflowName !== params.workflowName)
                  return undefined;
                return runForRead(run, params.resolveData);
              },
            ),
        );
      })) as Storage['runs']['list'],
  };
}
