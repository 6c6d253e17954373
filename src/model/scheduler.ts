// How every model call of a batch is scheduled: a dynamic concurrency limit (AIMD: +1 after a run
// of successes, halved on a rate limit), a global pause while the provider says "retry after",
// and retries with backoff for transient faults within a per-task attempt budget. Paced from the
// provider's own rate-limit headers (RateHint): starts are spread so the remaining budget lasts
// until it refills, before a 429 comes; after a 429 one call probes as soon as the headers say a
// slot is free (a retry-after is often a coarse fixed value), and the rest follow once it passes.
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
  /** `probe`: this call tests whether the rate limit has passed; the others wait for its answer. */
  resolve: (probe: boolean) => void;
  reject: (error: unknown) => void;
}

/** Prompt tokens of an answer (ChatAnswer.usage), for the average cost of a call against a token budget. */
function promptTokensOf(result: unknown): number | undefined {
  const tokens = (result as { usage?: { promptTokens?: unknown } } | null)?.usage?.promptTokens;
  return typeof tokens === "number" && tokens > 0 ? tokens : undefined;
}

/**
 * How long until one more call fits the budget a hint describes: 0 when it fits now. A budget
 * refills at (limit - remaining) / reset per ms (OpenAI's reset: until full); without the limit,
 * the whole reset. `cost`: the tokens of an average call.
 */
export function slotWaitMs(hint: RateHint, cost: number): number {
  const wait = (limit: number | undefined, remaining: number | undefined, reset: number | undefined, need: number) => {
    if (remaining === undefined || reset === undefined || remaining >= need) return 0;
    if (limit !== undefined && limit > remaining) return ((need - remaining) * reset) / (limit - remaining);
    return reset;
  };
  return Math.max(
    wait(hint.limitRequests, hint.remainingRequests, hint.resetRequestsMs, 1),
    cost > 0 ? wait(hint.limitTokens, hint.remainingTokens, hint.resetTokensMs, cost) : 0,
  );
}

/**
 * A copy of one of the provider's budgets (requests or tokens), kept between its headers: set to
 * what the last answer said was left, refilled at the rate the headers imply ((limit - remaining)
 * per reset), drawn by every call started since. Starts wait while it holds less than a call needs.
 */
interface Budget {
  level: number;
  capacity: number;
  perMs: number;
}

function budgetOf(previous: Budget | null, limit: number | undefined, remaining: number | undefined, reset: number | undefined): Budget | null {
  if (limit === undefined || remaining === undefined || reset === undefined || limit <= 0) return null;
  // `remaining` is rounded down, so the refill rate lies between (limit - remaining - 1) / reset and
  // (limit - remaining) / reset: the best lower bound seen so far, within the current upper bound
  // (a rate guessed too high would start calls the provider refuses).
  const upper = reset > 0 ? (limit - remaining) / reset : Infinity;
  const lower = reset > 0 ? (limit - remaining - 1) / reset : 0;
  const perMs = Math.min(upper, Math.max(previous?.perMs ?? 0, lower));
  if (!(perMs > 0) || !Number.isFinite(perMs)) return previous ? { level: remaining, capacity: limit, perMs: previous.perMs } : null;
  return { level: remaining, capacity: limit, perMs };
}

/**
 * The spacing between call starts that spreads the remaining budget over the time until it is
 * full again (a token bucket drawn at its refill rate settles half full, never empty); 0 when the
 * hint says nothing of a budget.
 */
export function paceGapMs(hint: RateHint, cost: number): number {
  const gap = (remaining: number | undefined, reset: number | undefined, need: number) =>
    remaining === undefined || reset === undefined || need <= 0 ? 0 : remaining >= need ? (reset * need) / remaining : reset;
  return Math.max(gap(hint.remainingRequests, hint.resetRequestsMs, 1), gap(hint.remainingTokens, hint.resetTokensMs, cost));
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
  let timerAt = 0;
  // Pacing from the provider's headers: the earliest next start, and the spacing between starts.
  let nextStartAt = 0;
  let gapMs = 0;
  // With the limits in the headers: copies of the provider's budgets, and when they were last set.
  let requestBudget: Budget | null = null;
  let tokenBudget: Budget | null = null;
  let budgetsAt = 0;
  const refillBudgets = (now: number) => {
    for (const b of [requestBudget, tokenBudget]) if (b) b.level = Math.min(b.capacity, b.level + (now - budgetsAt) * b.perMs);
    budgetsAt = now;
  };
  /** How long until the budgets hold one more call (0: now). */
  const budgetWait = (now: number) => {
    refillBudgets(now);
    let wait = 0;
    if (requestBudget && requestBudget.level < 1) wait = Math.max(wait, (1 - requestBudget.level) / requestBudget.perMs);
    if (tokenBudget && callCost > 0 && tokenBudget.level < callCost) wait = Math.max(wait, (callCost - tokenBudget.level) / tokenBudget.perMs);
    return Math.ceil(wait);
  };
  let lastHint: { hint: RateHint; at: number } | null = null;
  // Prompt tokens of an average call (moving average of the answers').
  let callCost = 0;
  // After a 429: one call at a time finds out whether the limit has passed.
  let probing = false;
  let probeInFlight = false;
  // Probes in a row that met the limit again.
  let probeStreak = 0;
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
    const gate = Math.max(pausedUntil, nextStartAt);
    if (now < gate) {
      if ((retryQueue.length || queue.length) && timerAt !== gate) {
        if (pauseTimer) clearTimeout(pauseTimer);
        timerAt = gate;
        pauseTimer = setTimeout(() => {
          pauseTimer = null;
          timerAt = 0;
          pump();
        }, gate - now);
      }
      return;
    }
    while (active < limit && !(probing && probeInFlight)) {
      if (!retryQueue.length && !queue.length) break;
      const wait = requestBudget || tokenBudget ? budgetWait(now) : 0;
      if (wait > 0) {
        nextStartAt = now + wait;
        pump();
        break;
      }
      const next = (retryQueue.shift() ?? queue.shift())!;
      active++;
      if (requestBudget) requestBudget.level -= 1;
      if (tokenBudget) tokenBudget.level -= callCost;
      const probe = probing;
      if (probe) probeInFlight = true;
      next.resolve(probe);
      if (gapMs > 0) {
        // Paced: the next start waits its turn (a timer, if anyone is waiting).
        nextStartAt = now + gapMs;
        if (retryQueue.length || queue.length) pump();
        break;
      }
    }
  };

  // Every call in flight listens to the batch's signal: many listeners are expected.
  if (signal) setMaxListeners(0, signal);
  signal?.addEventListener("abort", () => {
    if (pauseTimer) clearTimeout(pauseTimer);
    pauseTimer = null;
    timerAt = 0;
    for (const w of [...retryQueue.splice(0), ...queue.splice(0)]) w.reject(abortError());
  }, { once: true });

  const acquire = (isRetry: boolean) =>
    new Promise<boolean>((resolve, reject) => {
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
        timerAt = 0;
      }
    }
  };

  /**
   * The wait after a 429: the retry-after asked for, or sooner when the provider's headers (sent
   * with the 429 or just before) say a slot is free earlier, as they do when retry-after is a
   * coarse fixed value. Without such headers, the retry-after as it is.
   */
  const rateWait = (retryAfter: number) => {
    if (!lastHint || Date.now() - lastHint.at > 1000) return retryAfter;
    const free = slotWaitMs(lastHint.hint, callCost);
    // A probe that meets the limit again waits longer each time (from 1/8 of retry-after up to all of it).
    const floor = (retryAfter * 2 ** Math.min(3, probeStreak)) / 8;
    return Math.max(1, Math.ceil(Math.min(retryAfter, Math.max(free, floor))));
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
      const probe = await acquire(isRetry);
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
        if (probe) probeInFlight = false;
        release();
        if (signal?.aborted) throw error;
        if (kind === "rate") {
          stats.rateLimited++;
          if (probe) probeStreak++;
          const asked = (error as ProviderError).retryAfterMs;
          const waitMs = asked !== null && asked !== undefined ? rateWait(asked) : backoff(Math.min(6, stats.rateLimited));
          // From now on one call at a time tests the limit; the rest follow once it passes.
          probing = true;
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
      const cost = promptTokensOf(result);
      if (cost) callCost = callCost ? 0.8 * callCost + 0.2 * cost : cost;
      if (probe) {
        probeInFlight = false;
        probing = false;
        probeStreak = 0;
      }
      release();
      onSuccess();
      return result;
    }
  }

  const observe = (hint: RateHint) => {
    // A server that sends no rate-limit headers says nothing here.
    if (hint.remainingRequests === undefined && hint.remainingTokens === undefined) return;
    const now = Date.now();
    lastHint = { hint, at: now };
    // Spread what is left until it refills; when nothing is left, wait for the next slot.
    // An answer's headers were written when it left the provider; calls started since are not in
    // them. So a hint can lower a copy's level, never raise it above what the copy says (the copy
    // refills at the provider's rate, so it cannot fall behind for long).
    refillBudgets(now);
    const before = { requests: requestBudget?.level, tokens: tokenBudget?.level };
    requestBudget = budgetOf(requestBudget, hint.limitRequests, hint.remainingRequests, hint.resetRequestsMs);
    tokenBudget = budgetOf(tokenBudget, hint.limitTokens, hint.remainingTokens, hint.resetTokensMs);
    if (requestBudget && before.requests !== undefined) requestBudget.level = Math.min(requestBudget.level, before.requests);
    if (tokenBudget && before.tokens !== undefined) tokenBudget.level = Math.min(tokenBudget.level, before.tokens);
    budgetsAt = now;
    if (requestBudget || tokenBudget) {
      // The copies decide each start (pump); no spacing besides.
      gapMs = 0;
      nextStartAt = Math.min(nextStartAt, now);
    } else {
      const wait = slotWaitMs(hint, callCost);
      gapMs = Math.max(paceGapMs(hint, callCost), wait);
      if (wait > 0) nextStartAt = Math.max(nextStartAt, now + wait);
      else nextStartAt = Math.min(nextStartAt, now + gapMs);
    }
    pump();
  };

  return { run, observe, stats: () => ({ ...stats }) };
}

function abortError(): Error {
  const error = new Error("cancelled");
  error.name = "AbortError";
  return error;
}
