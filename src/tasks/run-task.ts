// One task: cache first, identical work in flight shared (single-flight on the cache key), then
// the model under the batch's limiter; the answer is cached the moment it is valid.
import type { z } from "zod";
import { addUsage, emptyUsage, type Usage } from "../core/types.ts";
import { requestStructured } from "../model/openai.ts";
import type { TaskRequest } from "./request.ts";
import type { Pipeline } from "../run/pipeline.ts";
import { usageOf, withUsage } from "../core/errors.ts";

export interface TaskOutcome<T> { value: T; warnings: string[]; usage: Usage }

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

/** The cached answer of a task, if there is one. */
export function cachedOutcome<T>(pipeline: Pipeline, request: TaskRequest<z.ZodType>): TaskOutcome<T> | undefined {
  const cached = pipeline.options.cache?.get<T>(request.key);
  if (!cached) return undefined;
  return { value: cached.value, warnings: cached.warnings, usage: { ...emptyUsage(), cacheHits: 1 } };
}

/**
 * The failure of work shared in flight, for a second article: the same class and fields (so it can
 * recover the same way, e.g. split a truncated translation), but no usage: the calls are counted
 * once, with the article that made them.
 */
function sharedFailure(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const copy = Object.create(Object.getPrototypeOf(error)) as Error & { usage?: unknown };
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error));
  if ("usage" in copy) copy.usage = undefined;
  return copy;
}

/** What the cache records beside a task's answer, so `cache list` can show it per article. */
export function cacheMeta(request: TaskRequest<z.ZodType>, model: string) {
  return { task: request.task, model, article: request.article.id, title: request.article.title, langs: request.langs };
}

/** Cache first; identical work already in flight is shared (single-flight on the cache key). */
export function runTask<T>(pipeline: Pipeline, request: TaskRequest<z.ZodType>): Promise<TaskOutcome<T>> {
  const { options } = pipeline;
  const cached = cachedOutcome<T>(pipeline, request);
  if (cached) return Promise.resolve(cached);
  const running = pipeline.inFlight.get(request.key);
  if (running) {
    return running.then(
      (outcome) => ({ ...outcome, usage: { ...emptyUsage(), cacheHits: 1 } }) as TaskOutcome<T>,
      (error: unknown) => {
        throw sharedFailure(error);
      },
    );
  }
  // The limiter runs each HTTP call (transport retries there); the repairs are the model layer's.
  const promise = requestStructured(options.client, {
    model: options.model,
    messages: request.messages,
    schema: request.schema,
    responseSchema: request.responseSchema,
    schemaName: request.schemaName,
    temperature: request.temperature,
    maxTokens: request.maxTokens,
    check: request.check,
    repairs: options.repairs,
    limiter: pipeline.limiter,
    signal: options.signal,
  })
    .then((result) => {
      options.cache?.set(request.key, cacheMeta(request, options.model), { value: result.value, warnings: result.warnings });
      return { value: result.value as T, warnings: result.warnings, usage: result.usage };
    })
    .catch((error: unknown) => {
      if (error instanceof Error) error.message = `${request.label}: ${error.message}`;
      throw error;
    })
    .finally(() => pipeline.inFlight.delete(request.key));
  pipeline.inFlight.set(request.key, promise as Promise<TaskOutcome<unknown>>);
  return promise;
}
