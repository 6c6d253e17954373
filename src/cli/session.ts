// One run's machinery: the cache, the scheduler, the provider (and the batch answers in front of
// it) and the pipeline over them, built from the flags; Ctrl-C and closing.
import { Cache } from "../core/cache.ts";
import { modelConfig } from "../core/config.ts";
import { describeError, type CacheError } from "../core/errors.ts";
import { createModelClient } from "../model/create.ts";
import type { ChatModel } from "../model/provider.ts";
import { createScheduler, type Scheduler } from "../model/scheduler.ts";
import { BatchAnswers } from "../run/batch-api.ts";
import { createPipeline, type TaskKind } from "../run/pipeline.ts";
import { cacheFileOf, checkPaths, providerOptions, taskOptionsFor, type CommonFlags } from "./flags.ts";
import { io } from "./io.ts";

export class Session {
  readonly controller = new AbortController();
  cache: Cache | null = null;
  scheduler: Scheduler | null = null;
  /** The provider itself, and in front of it the answers batches brought back (--via batch; also used by plain runs, so nothing is paid twice). */
  provider: ChatModel | null = null;
  answers: BatchAnswers | null = null;
  /** Said once, at the end too: paid answers that did not reach the cache. */
  cacheWarning: string | null = null;

  constructor(readonly flags: CommonFlags, private readonly onWarning: (line: string) => void) {}

  /** Opens the cache first: a cache that cannot be used stops the run (exit 2) before any call. */
  openCache() {
    const file = cacheFileOf(this.flags);
    if (file === null) return;
    this.cache = new Cache(file, {
      onWriteError: (error: CacheError) => {
        this.cacheWarning = `newsdesk: warning: ${describeError(error)}`;
        this.onWarning(this.cacheWarning);
      },
    });
  }

  pipeline(languages: string[], tasks: TaskKind[]) {
    const config = modelConfig(io.env, this.flags.model, this.flags.provider);
    checkPaths(this.flags);
    this.openCache();
    // The scheduler does the retrying (so it sees every 429 and paces the whole batch): client retries off.
    const scheduler = createScheduler({ maxConcurrency: Math.max(1, this.flags.concurrency), signal: this.controller.signal });
    this.scheduler = scheduler;
    const provider = createModelClient({
      ...providerOptions(config),
      maxRetries: 0,
      timeoutMs: this.flags.timeout * 1000,
      onRateHint: scheduler.observe,
    });
    this.provider = provider;
    this.answers = this.cache ? new BatchAnswers(provider, this.cache) : null;
    const client = this.answers ?? provider;
    return createPipeline({
      ...taskOptionsFor(this.flags, languages, tasks),
      client,
      model: config.model,
      cache: this.cache,
      limiter: scheduler.run,
      signal: this.controller.signal,
      concurrency: this.flags.concurrency,
    });
  }

  /** Ctrl-C: cancel what is in flight, keep what is finished. */
  trapInterrupt() {
    process.once("SIGINT", this.onInterrupt);
  }

  private readonly onInterrupt = () => {
    io.stderr.write("\nnewsdesk: interrupted; cancelling requests in flight (finished work is kept)\n");
    this.controller.abort();
  };

  close() {
    process.removeListener("SIGINT", this.onInterrupt);
    this.cache?.close();
  }
}
