/**
 * The key layout. Keys fall in four scopes, each under one hash tag:
 * - run scope, `<prefix>:run:{<runId>}:…`: the run, its log and its entities;
 * - global scope, `<prefix>:{index}:…`: directories across runs (runs by status, finished runs,
 *   tokens, hooks, correlation ids);
 * - queue scope, `<prefix>:{queue}:…`: messages, the pending and in-flight sets, the wake list;
 * - stream scope, `<prefix>:stream:{<name>}:…`: one Redis Stream per stream name.
 * With `keyTags: 'single'` every scope shares the tag `{<prefix>}` (one slot on Redis Cluster).
 *
 * Lua scripts derive the run-scope and global-scope keys they touch from the prefixes of the keys
 * they are given, so the layout lives here and in the scripts' headers only.
 */
export class KeyLayout {
  readonly globalScope: string;
  readonly queueScope: string;
  /** The stream scope around the name: scripts that get stream names build their keys from it. */
  readonly streamScopeParts: readonly [before: string, after: string];

  constructor(
    readonly prefix: string,
    private readonly tags: 'run' | 'single',
  ) {
    this.globalScope = tags === 'single' ? `${prefix}:{${prefix}}:index:` : `${prefix}:{index}:`;
    this.queueScope = tags === 'single' ? `${prefix}:{${prefix}}:queue:` : `${prefix}:{queue}:`;
    this.streamScopeParts =
      tags === 'single' ? [`${prefix}:{${prefix}}:stream:`, ':'] : [`${prefix}:stream:{`, '}:'];
  }

  runScope(runId: string): string {
    return this.tags === 'single'
      ? `${this.prefix}:{${this.prefix}}:run:${runId}:`
      : `${this.prefix}:run:{${runId}}:`;
  }

  streamScope(name: string): string {
    const [before, after] = this.streamScopeParts;
    return `${before}${name}${after}`;
  }

  run(runId: string) {
    const scope = this.runScope(runId);
    return {
      run: `${scope}run`,
      events: `${scope}events`,
      eventOrder: `${scope}event-order`,
      step: (stepId: string) => `${scope}step:${stepId}`,
      steps: `${scope}steps`,
      hook: (hookId: string) => `${scope}hook:${hookId}`,
      hooks: `${scope}hooks`,
      wait: (correlationId: string) => `${scope}wait:${correlationId}`,
      streams: `${scope}streams`,
    };
  }

  get global() {
    const scope = this.globalScope;
    return {
      runs: `${scope}runs`,
      runsByStatus: (status: string) => `${scope}runs:${status}`,
      /** token sha1 → `<runId> <hookId>` of the active hook holding it. */
      token: (tokenSha1: string) => `${scope}token:${tokenSha1}`,
      /** Members `<createdEventId> <runId> <hookId>`: every active hook in creation order. */
      hooks: `${scope}hooks`,
      /** correlation id → run id, for lookups without a run id. */
      correlation: `${scope}corr`,
      /** Finished run ids scored by completion time (epoch ms): what `prune` looks up. */
      finished: `${scope}finished`,
    };
  }

  get queue() {
    const scope = this.queueScope;
    return {
      message: (messageId: string) => `${scope}msg:${messageId}`,
      pending: `${scope}pending`,
      inflight: `${scope}inflight`,
      idempotency: `${scope}idempotency`,
      wake: `${scope}wake`,
      /** run id → number of live workflow messages waking it. */
      liveRuns: `${scope}live-runs`,
    };
  }

  stream(name: string) {
    const scope = this.streamScope(name);
    return { chunks: `${scope}chunks`, meta: `${scope}meta` };
  }
}
