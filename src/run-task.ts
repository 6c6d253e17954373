// One task: cache first, identical work in flight shared (single-flight on the cache key), then
// the model under the batch's limiter; the answer is cached the moment it is valid.
import type { z } from "zod";
import { addUsage, emptyUsage, type Usage } from "./types.ts";
import { requestStructured } from "./model.ts";
import type { TaskRequest } from "./tasks.ts";
import type { Pipeline } from "./pipeline.ts";
import { usageOf, withUsage } from "./errors.ts";

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
        // The calls are counted once, with the article that made them.
        throw new Error((error as Error).message, { cause: error });
      },
    );
  }
  // Calls of attempts the limiter retried (a 5xx after a repair, say) were paid for too.
  const spent = emptyUsage();
  const promise = pipeline
    .limiter(() =>
      requestStructured(options.client, {
        model: options.model,
        messages: request.messages,
        schema: request.schema,
        responseSchema: request.responseSchema,
        schemaName: request.schemaName,
        temperature: request.temperature,
        maxTokens: request.maxTokens,
        check: request.check,
        repairs: options.repairs,
        signal: options.signal,
      }).catch((error: unknown) => {
        addUsage(spent, usageOf(error) ?? emptyUsage());
        throw error;
      }),
    )
    .then((result) => {
      options.cache?.set(request.key, { task: request.task, model: options.model }, { value: result.value, warnings: result.warnings });
      return { value: result.value as T, warnings: result.warnings, usage: addUsage(spent, result.usage) };
    })
    .catch((error: unknown) => {
      if (error instanceof Error) error.message = `${request.label}: ${error.message}`;
      throw withUsage(error, spent);
    })
    .finally(() => pipeline.inFlight.delete(request.key));
  pipeline.inFlight.set(request.key, promise as Promise<TaskOutcome<unknown>>);
  return promise;
}
