// --dry-run: reads the inputs and plans the batch the way the pipeline would run it (same
// requests, same cache keys), counts prompt tokens with the real tokenizer and estimates the
// cost; makes no model call and needs no server.
import type { ReadItem } from "../article/index.ts";
import type { Cache } from "../core/cache.ts";
import type { Message } from "../core/prompts.ts";
import { countTokens } from "../core/tokens.ts";
import { wireSchemaOf } from "../model/json-schema.ts";
import type { PlannedCall } from "../tasks/index.ts";
import type { TaskRequest } from "../tasks/request.ts";
import { jointRequest } from "../tasks/article-calls.ts";
import { sourceLabel, type Failure } from "./batch.ts";
import type { Pipeline } from "./pipeline.ts";

export interface BatchPlan {
  articles: number;
  /** Calls planned by the tasks (cache hits included). */
  tasks: number;
  /** Model calls to make: neither cached nor repeated within the batch. */
  calls: number;
  /** The tasks those calls answer (a joint call answers several; each may need its own repairs). */
  openTasks: number;
  cacheHits: number;
  /** Tokens of the calls to make (estimates: prompt counted with o200k, completion guessed). */
  promptTokens: number;
  /** Of those, the shared article prefix a provider's prompt cache would likely bill cheaper. */
  cachedTokens: number;
  completionTokens: number;
  byTask: Record<string, number>;
  failures: Failure[];
}

// Tokens a chat message costs beyond its text (role, separators), as OpenAI documents roughly.
const PER_MESSAGE = 4;
const PER_REQUEST = 3;

const schemaTokens = new WeakMap<object, number>();

function messageTokens(messages: Message[]): number[] {
  return messages.map((m) => countTokens(m.content) + PER_MESSAGE);
}

/** Prompt tokens of a request, its response schema included (providers count it as part of the prompt). */
export function requestTokens(request: Pick<TaskRequest, "messages" | "responseSchema" | "schemaName">): { prompt: number; perMessage: number[]; schema: number } {
  const perMessage = messageTokens(request.messages);
  let schema = schemaTokens.get(request.responseSchema);
  if (schema === undefined) {
    // As sent: the compact strict schema with its name (model/json-schema.ts, wireSchemaOf).
    schema = countTokens(JSON.stringify({ name: request.schemaName, strict: true, schema: wireSchemaOf(request.responseSchema) }));
    schemaTokens.set(request.responseSchema, schema);
  }
  return { prompt: perMessage.reduce((a, b) => a + b, 0) + PER_REQUEST + schema, perMessage, schema };
}

/** In the cache: the call itself, or every request it is also cached as (a digest's languages). */
export function isCached(call: PlannedCall, cache: Cache | null): boolean {
  if (!cache) return false;
  if (cache.has(call.request.key)) return true;
  return !!call.alsoCachedAs?.length && call.alsoCachedAs.every((r) => cache.has(r.key));
}

/** Reads the inputs and asks the pipeline's own tasks what they would call: the plan decides as the run does. */
export async function planBatch(items: AsyncIterable<ReadItem>, pipeline: Pipeline, cache: Cache | null): Promise<BatchPlan> {
  const plan: BatchPlan = {
    articles: 0, tasks: 0, calls: 0, openTasks: 0, cacheHits: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, byTask: {}, failures: [],
  };
  const planned = new Set<string>();
  for await (const item of items) {
    if ("error" in item) {
      plan.failures.push({ source: sourceLabel({ path: item.error.file, line: item.error.line }), id: null, reason: item.error.problem, kind: "input" });
      continue;
    }
    const article = item.article;
    plan.articles++;
    let previous: { messages: Message[]; schema: object } | null = null;
    const count = (request: TaskRequest, byTask: string, completionTokens: number) => {
      plan.calls++;
      plan.byTask[byTask] = (plan.byTask[byTask] ?? 0) + 1;
      const tokens = requestTokens(request);
      plan.promptTokens += tokens.prompt;
      // As the provider counts it: the schema first, then the messages the calls share.
      if (previous && previous.schema === request.responseSchema) {
        plan.cachedTokens += providerCachedPrefix(previous.messages, request.messages, tokens.perMessage, tokens.schema);
      }
      previous = { messages: request.messages, schema: request.responseSchema };
      plan.completionTokens += request.maxTokens ? Math.min(request.maxTokens, completionTokens) : completionTokens;
    };
    for (const call of pipeline.plan(article)) {
      const calls = call.members ?? [call];
      const open: PlannedCall[] = [];
      for (const member of calls) {
        plan.tasks++;
        if (planned.has(member.request.key) || isCached(member, cache)) plan.cacheHits++;
        else {
          planned.add(member.request.key);
          open.push(member);
          plan.openTasks++;
        }
      }
      if (open.length === 1 || !call.members) for (const member of open) count(member.request, member.request.task, member.completionTokens);
      else if (open.length > 1) {
        // One joint call for the parts not cached (what the run sends).
        const joint = jointRequest(open.map((m) => m.request), pipeline.model);
        const request = { ...open[0]!.request, messages: joint.messages, responseSchema: joint.schema, schemaName: joint.schemaName, maxTokens: joint.maxTokens };
        count(request, open.map((m) => m.request.task).join("+"), open.reduce((sum, m) => sum + m.completionTokens, 0));
      }
    }
  }
  return plan;
}

/** The calls if every answer is invalid until its repairs are spent: a joint call's parts are repaired each on its own. */
export function worstCaseCalls(plan: Pick<BatchPlan, "calls" | "openTasks">, repairs: number): number {
  return plan.calls + repairs * plan.openTasks;
}

/** Tokens of the leading messages two calls share, as OpenAI caches them: from 1,024 tokens, in 128-token steps. */
function providerCachedPrefix(earlier: Message[], later: Message[], laterTokens: number[], schemaTokens: number): number {
  let shared = schemaTokens;
  for (let i = 0; i < Math.min(earlier.length, later.length); i++) {
    if (earlier[i]!.role !== later[i]!.role || earlier[i]!.content !== later[i]!.content) break;
    shared += laterTokens[i]!;
  }
  return shared >= 1024 ? shared - (shared % 128) : 0;
}
