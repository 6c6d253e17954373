// How every model call of a batch is scheduled: a dynamic concurrency limit (AIMD: +1 after a run
// of successes, halved on a rate limit), a global pause while the provider says "retry after",
// and retries with backoff for transient faults within a per-task attempt budget.
// Usable as the pipeline's `limiter`, around each HTTP call (never around a repair conversation, so
// transport retries and repairs do not multiply); the openai client's own retries should be off.
// It knows faults only by their kind (ProviderError), not by any SDK's classes.
import { setMaxListeners } from "node:events";
import { ProviderError, QuotaExceededError, type FaultKind } from "../core/errors.ts";
import type { RateHint } from "./provider.ts";

export { QuotaExceededError } from "../core/errors.ts";

export interface SchedulerOptions {
  /** Upper bound of calls at once (the --concurrency flag). */
  maxConcurrency: number;
  /** Where the limit starts (default: maxConcurrency). */
  initialConcurrency?: number;
  /** Attempts per call for transient faults (5xx, connection errors, bad bodies); default 6. */
  maxAttempts?: number;
  /** Attempts per call when the server does not answer in time (a hung server); default 2. */
  maxTimeoutAttempts?: number;
  /** How long one call may keep being retried for transient faults, from its first attempt (default 10 min). */
  callBudgetMs?: number;
  /** First backoff delay; doubles per attempt, with jitter (default 500 ms). */
  baseDelayMs?: number;
  /** Longest backoff delay (default 8 s). */
  maxDelayMs?: number;
  /** How long one task may keep meeting rate limits before it fails (default 30 min). */
  rateLimitPatienceMs?: number;
  signal?: AbortSignal;
  /** For tests: a seeded random source for the jitter. */
  random?: () => number;
  onEvent?: (event: SchedulerEvent) => void;
}

export type SchedulerEvent =
  | { type: "rate-limited"; waitMs: number; limit: number }
  | { type: "retry"; attempt: number; delayMs: number; reason: string }
  | { type: "limit"; limit: number };

export interface SchedulerStats {
  /** Calls started (including retries). */
  attempts: number;
  rateLimited: number;
  retries: number;
  limit: number;
  minLimitSeen: number;
}

export interface Scheduler {
  /** The pipeline's limiter: runs fn under the limit, retrying what deserves a retry; follow-ups go first. */
  run: <T>(fn: () => Promise<T>, options?: { followUp?: boolean }) => Promise<T>;
  /** What the provider said of its limits after an answer: pauses before a 429 comes. */
  observe: (hint: RateHint) => void;
  stats: () => SchedulerStats;
}

/** The kind of a fault; anything that is not a classified provider fault cannot be helped by retrying. */
export function classifyError(error: unknown): FaultKind {
  if (error instanceof ProviderError) return error.kind;
  if (error instanceof Error && error.name === "AbortError") return "abort";
  return "permanent";
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const max = Math.max(1, options.maxConcurrency);
  const maxAttempts = Math.max(1, options.maxAttempts ?? 6);
  const maxTimeoutAttempts = Math.max(1, options.maxTimeoutAttempts ?? 2);
  const callBudget = options.callBudgetMs ?? 10 * 60_000;
  const baseDelay = options.baseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 8000;
  const patience = options.rateLimitPatienceMs ?? 30 * 60_000;
  const random = options.random ?? Math.random;
  const signal = options.signal;

  let limit = Math.min(max, Math.max(1, options.initialConcurrency ?? max));
  let active = 0;
  let successRun = 0;
  let pausedUntil = 0;
  let lastDecrease = 0;
  let pauseTimer: NodeJS.Timeout | null = null;
  // Set by a fault no call can get past (quota gone, bad key, no server): every waiting call gets it.
  let fatal: ProviderError | null = null;
  // Retries and follow-ups go first: they have waited already, and finish work already begun.
  const retryQueue: Waiter[] = [];
  const queue: Waiter[] = [];
  const stats: SchedulerStats = { attempts: 0, rateLimited: 0, retries: 0, limit, minLimitSeen: limit };

  const setLimit = (next: number) => {
    if (next === limit) return;
    limit = next;
    stats.limit = limit;
    stats.minLimitSeen = Math.min(stats.minLimitSeen, limit);
    options.onEvent?.({ type: "limit", limit });
  };

  const pump = () => {
    const now = Date.now();
    if (now < pausedUntil) {
      if (!pauseTimer && (retryQueue.length || queue.length)) {
        pauseTimer = setTimeout(() => {
          pauseTimer = null;
          pump();
        }, pausedUntil - now);
      }
      return;
    }
    while (active < limit) {
      const next = retryQueue.shift() ?? queue.shift();
      if (!next) break;
      active++;
      next.resolve();
    }
  };

  // Every call in flight listens to the batch's signal: many listeners are expected.
  if (signal) setMaxListeners(0, signal);
  signal?.addEventListener("abort", () => {
    if (pauseTimer) clearTimeout(pauseTimer);
    pauseTimer = null;
    for (const w of [...retryQueue.splice(0), ...queue.splice(0)]) w.reject(abortError());
  }, { once: true });

  const acquire = (isRetry: boolean) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      if (fatal) return reject(fatal);
      (isRetry ? retryQueue : queue).push({ resolve, reject });
      pump();
    });

  const release = () => {
    active--;
    pump();
  };

  const pauseFor = (ms: number) => {
    const until = Date.now() + ms;
    if (until > pausedUntil) {
      pausedUntil = until;
      if (pauseTimer) {
        clearTimeout(pauseTimer);
        pauseTimer = null;
      }
    }
  };

  // Additive increase: +1 after a run of successes half as long as the limit.
  const onSuccess = () => {
    if (++successRun >= Math.ceil(limit / 2) && limit < max) {
      successRun = 0;
      setLimit(limit + 1);
    }
  };

  /**
   * Multiplicative decrease, at most once per episode: 429s of calls sent before the last decrease,
   * or within one rate window (max(1 s, the wait asked for)) of it, do not halve the limit again;
   * the pause already holds those calls back.
   */
  const onRateLimit = (startedAt: number, waitMs: number) => {
    successRun = 0;
    const now = Date.now();
    if (startedAt >= lastDecrease && now - lastDecrease >= Math.max(1000, waitMs)) {
      lastDecrease = now;
      setLimit(Math.max(1, Math.floor(limit / 2)));
    }
  };

  const backoff = (attempt: number) => {
    const exp = Math.min(maxDelay, baseDelay * 2 ** (attempt - 1));
    return Math.round(exp * (0.5 + 0.5 * random()));
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError());
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });

  async function run<T>(fn: () => Promise<T>, runOptions: { followUp?: boolean } = {}): Promise<T> {
    const firstStart = Date.now();
    let failures = 0;
    let timeouts = 0;
    // Retries and follow-ups (repairs) go first: they finish work already begun.
    let isRetry = !!runOptions.followUp;
    for (;;) {
      await acquire(isRetry);
      const startedAt = Date.now();
      stats.attempts++;
      let result: T;
      try {
        result = await fn();
      } catch (error) {
        const kind = signal?.aborted ? "abort" : classifyError(error);
        if (kind === "quota" || kind === "config") {
          // Before the slot is released: no waiting call may start once the batch cannot go on.
          fatal ??= kind === "quota" ? new QuotaExceededError(`${(error as Error).message}; stopping the batch`) : (error as ProviderError);
          for (const w of [...retryQueue.splice(0), ...queue.splice(0)]) w.reject(fatal);
          release();
          throw fatal;
        }
        release();
        if (signal?.aborted) throw error;
        if (kind === "rate") {
          stats.rateLimited++;
          const waitMs = (error as ProviderError).retryAfterMs ?? backoff(Math.min(6, stats.rateLimited));
          if (Date.now() + waitMs - firstStart > patience) {
            throw new ProviderError(`still rate-limited after ${Math.round((Date.now() - firstStart) / 1000)} s: ${(error as Error).message}`, "rate", { cause: error });
          }
          onRateLimit(startedAt, waitMs);
          pauseFor(waitMs);
          options.onEvent?.({ type: "rate-limited", waitMs, limit });
          isRetry = true;
          continue;
        }
        if (kind === "transient") {
          failures++;
          const timedOut = (error as ProviderError).details?.timeout === true;
          if (timedOut) timeouts++;
          const delayMs = backoff(failures);
          const spent = Date.now() - firstStart;
          if (failures >= maxAttempts || timeouts >= maxTimeoutAttempts || spent + delayMs > callBudget) {
            throw new ProviderError(`${(error as Error).message} (gave up after ${failures} attempt${failures === 1 ? "" : "s"}, ${Math.round(spent / 1000)} s)`, "transient", {
              cause: error,
              timeout: timedOut,
            });
          }
          stats.retries++;
          options.onEvent?.({ type: "retry", attempt: failures, delayMs, reason: (error as Error).message });
          await sleep(delayMs);
          isRetry = true;
          continue;
        }
        throw error;
      }
      release();
      onSuccess();
      return result;
    }
  }

  const observe = (hint: RateHint) => {
    if (hint.remainingRequests === 0 && hint.resetRequestsMs) pauseFor(hint.resetRequestsMs);
    if (hint.remainingTokens === 0 && hint.resetTokensMs) pauseFor(hint.resetTokensMs);
  };

  return { run, observe, stats: () => ({ ...stats }) };
}

function abortError(): Error {
  const error = new Error("cancelled");
  error.name = "AbortError";
  return error;
}
