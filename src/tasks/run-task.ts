// One task request: cache first, identical work in flight shared (single-flight on the cache
// key), then the model under the batch's limiter; the answer is cached the moment it is valid.
import type { z } from "zod";
import { addUsage, emptyUsage } from "../core/types.ts";
import { NewsdeskError, usageOf, withUsage } from "../core/errors.ts";
import { requestStructured } from "../model/structured.ts";
import type { TaskRequest } from "./request.ts";
import type { Ask, TaskOutcome, TaskRun } from "./context.ts";

/** Several calls' outcomes as one: usage added up, warnings in order. */
export function combine<T>(outcomes: TaskOutcome<unknown>[], value: T): TaskOutcome<T> {
  const usage = emptyUsage();
  for (const o of outcomes) addUsage(usage, o.usage);
  return { value, usage, warnings: outcomes.flatMap((o) => o.warnings) };
}

/** Rethrows `error` with the usage of the outcomes that did finish added to its own. */
export function failedAfter(outcomes: TaskOutcome<unknown>[], error: unknown): never {
  const usage = combine(outcomes, null).usage;
  addUsage(usage, usageOf(error) ?? emptyUsage());
  throw withUsage(error, usage);
}

/** What the cache records beside a task's answer, so `cache list` can show it per article. */
export function cacheMeta(request: TaskRequest<z.ZodType>, model: string) {
  return { task: request.task, model, article: request.article.id, title: request.article.title, langs: request.langs };
}

/** A language's own request for a multi-language task (see digest.ts): its answer is cached on its own too. */
export interface LanguagePart {
  lang: string;
  request: TaskRequest<z.ZodType>;
}

/** A multi-language answer put together from its languages' own cache entries, when every one is there. */
export function cachedFromParts<T>(run: TaskRun, parts: LanguagePart[]): TaskOutcome<Record<string, T>> | undefined {
  if (!parts.length || !run.cache) return undefined;
  const value: Record<string, T> = {};
  const warnings: string[] = [];
  for (const { lang, request } of parts) {
    const entry = run.cache.get<Record<string, T>>(request.key);
    if (!entry) return undefined;
    value[lang] = entry.value[lang]!;
    warnings.push(...entry.warnings);
  }
  return { value, warnings, usage: { ...emptyUsage(), cacheHits: 1 } };
}

/** The entries that cache each language's part of a multi-language answer under that language's own key, with its own warnings ("de: ..."). */
function partEntries(run: TaskRun, parts: LanguagePart[], outcome: { value: unknown; warnings: string[] }) {
  const value = outcome.value as Record<string, unknown>;
  return parts.map(({ lang, request }) => ({
    key: request.key,
    meta: cacheMeta(request, run.model),
    entry: { value: { [lang]: value[lang]! }, warnings: outcome.warnings.filter((w) => w.startsWith(`${lang}: `)) },
  }));
}

/** Caches each language's part of a multi-language answer under that language's own key (in one transaction). */
function cacheParts(run: TaskRun, parts: LanguagePart[], outcome: { value: unknown; warnings: string[] }): void {
  if (parts.length) run.cache?.setMany(partEntries(run, parts, outcome));
}

/** The cached answer of a task, if there is one. */
export function cachedOutcome<T>(run: TaskRun, request: TaskRequest<z.ZodType>): TaskOutcome<T> | undefined {
  const cached = run.cache?.get<T>(request.key);
  if (!cached) return undefined;
  return { value: cached.value, warnings: cached.warnings, usage: { ...emptyUsage(), cacheHits: 1 } };
}

/**
 * The failure of work shared in flight, for a second article: the same class and fields (so it can
 * recover the same way, e.g. split a truncated translation), but no usage: the calls are counted
 * once, with the article that made them.
 */
export function sharedFailure(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const copy = Object.create(Object.getPrototypeOf(error)) as Error & { usage?: unknown };
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error));
  if ("usage" in copy) copy.usage = undefined;
  return copy;
}

/** The error as one of ours, labelled with the task it belongs to ("translate de"). */
function labelled(error: unknown, label: string): NewsdeskError {
  const ours = error instanceof NewsdeskError ? error : new NewsdeskError(error instanceof Error ? error.message : String(error), { cause: error });
  ours.task ??= label;
  return ours;
}

/**
 * Cache first; identical work already in flight is shared (single-flight on the cache key).
 * `parts`: a multi-language answer's language parts, each also cached under its own key (a new
 * answer in the same transaction as the answer itself).
 */
export function runTask<T>(run: TaskRun, request: TaskRequest<z.ZodType>, parts: LanguagePart[] = []): Promise<TaskOutcome<T>> {
  const cached = cachedOutcome<T>(run, request);
  if (cached) {
    cacheParts(run, parts, cached);
    return Promise.resolve(cached);
  }
  const running = run.inFlight.get(request.key);
  if (running) {
    return running.then(
      (outcome) => {
        cacheParts(run, parts, outcome);
        return { ...outcome, usage: { ...emptyUsage(), cacheHits: 1 } } as TaskOutcome<T>;
      },
      (error: unknown) => {
        throw sharedFailure(error);
      },
    );
  }
  // The limiter runs each HTTP call (transport retries there); the repairs are the model layer's.
  const alone: Ask = (answered) => requestStructured(run.chat, {
    model: run.model,
    messages: request.messages,
    schema: request.schema,
    responseSchema: request.responseSchema,
    schemaName: request.schemaName,
    temperature: request.temperature,
    maxTokens: request.maxTokens,
    check: request.check,
    repairs: run.repairs,
    label: request.label,
    limiter: run.limiter,
    signal: run.signal,
    answered,
  });
  const promise = (run.calls ? run.calls.ask(request, alone) : alone())
    .then((result) => {
      const entry = { value: result.value, warnings: result.warnings };
      run.cache?.setMany([{ key: request.key, meta: cacheMeta(request, run.model), entry }, ...partEntries(run, parts, entry)]);
      return { value: result.value as T, warnings: result.warnings, usage: result.usage };
    })
    .catch((error: unknown) => {
      throw labelled(error, request.label);
    })
    .finally(() => run.inFlight.delete(request.key));
  run.inFlight.set(request.key, promise as Promise<TaskOutcome<unknown>>);
  return promise;
}
