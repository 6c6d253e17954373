// How the model calls of one article are sent. Every task of the article starts at once; the first
// call each one makes joins a wave that is sent together, one of two ways:
// - jointly: when the article is too short for a provider's prompt cache (the requests ask for their
//   own response formats, see request.ts responseFormat), the calls become one call that carries the
//   article, the house prompt and each task's instructions once, and answers every part. Each part
//   is validated and checked as if asked alone, and cached under its own key.
// - lead first: otherwise the lead (the digest, a short answer) goes first and the others once it is
//   answered, so they hit the prefix it wrote into the provider's cache.
// Calls made later (a chunk, a split after truncation) go on their own.
import { z } from "zod";
import type { Message } from "../core/prompts.ts";
import { addUsage, emptyUsage, type Usage } from "../core/types.ts";
import { TruncatedError, usageOf, withUsage } from "../core/errors.ts";
import { answerUsage, judgeAnswer, type Judgement, type StructuredResult } from "../model/structured.ts";
import type { ChatAnswer, ChatRequest } from "../model/provider.ts";
import { memo, type TaskRequest } from "./request.ts";
import { ARTICLE_TASKS } from "./schemas.ts";
import { sharedFailure } from "./run-task.ts";
import type { Ask, CallGate, TaskRun } from "./context.ts";

interface Member {
  request: TaskRequest;
  alone: Ask;
  resolve: (result: StructuredResult<unknown>) => void;
  reject: (error: unknown) => void;
}

/** Requests that may be answered by one joint call: whole-article calls with their own response formats. */
export function joinable(requests: TaskRequest[]): TaskRequest[] {
  const parts = requests.filter((r) => r.joinable && r.schemaName !== ARTICLE_TASKS);
  return parts.length >= 2 ? parts : [];
}

/** The calls of one article (see the top of this file). `jobs`: how many tasks' jobs will ask. */
export class ArticleCalls {
  private pending: number;
  private wave: Member[] = [];
  private flushed = false;
  private lead: Promise<unknown> | null = null;

  constructor(
    private readonly run: TaskRun,
    jobs: number,
    /** false: never a joint call (the pipeline's `joint: false`: a call per task). */
    private readonly joint = true,
  ) {
    this.pending = jobs;
    // The jobs reach their first call in the same turn; one that is later goes on its own.
    setImmediate(() => this.flush());
  }

  gate(): CallGate {
    let first = true;
    const settle = () => {
      if (!first) return false;
      first = false;
      if (--this.pending === 0) queueMicrotask(() => this.flush());
      return true;
    };
    return {
      ask: (request, alone) => {
        if (!this.flushed && settle()) return new Promise((resolve, reject) => this.wave.push({ request, alone, resolve, reject }));
        return this.lead ? this.lead.then(() => alone()) : alone();
      },
      done: () => void settle(),
    };
  }

  private flush(): void {
    if (this.flushed) return;
    this.flushed = true;
    const members = this.wave;
    const together = this.joint ? joinable(members.map((m) => m.request)) : [];
    if (together.length) {
      const joint = members.filter((m) => together.includes(m.request));
      askJointly(this.run, joint);
      for (const m of members) if (!joint.includes(m)) m.alone().then(m.resolve, m.reject);
      return;
    }
    const lead = members.find((m) => m.request.task === "digest") ?? members[0];
    if (!lead) return;
    const answered = lead.alone();
    answered.then(lead.resolve, lead.reject);
    this.lead = answered.catch(() => undefined);
    for (const m of members) if (m !== lead) this.lead.then(() => m.alone()).then(m.resolve, m.reject);
  }
}

const jointSchemas = new Map<string, z.ZodObject>();
const schemaIds = new WeakMap<z.ZodType, number>();
let schemaCount = 0;
/** A number per response schema (they are made once per shape), to make each joint schema once. */
function idOf(schema: z.ZodType): number {
  let id = schemaIds.get(schema);
  if (id === undefined) schemaIds.set(schema, (id = ++schemaCount));
  return id;
}

/**
 * The joint call of these requests: the messages they share (the house prompt and the article),
 * then every request's own instructions in one message; a response format with every request's
 * part; at the stricter of their temperatures. `max_tokens` is the largest of theirs, not their
 * sum: a model's output limit (gpt-4o-mini: 16,384) would refuse the sum, and a joint call is only
 * made for an article short enough that both answers fit well within one part's limit (a cut-off
 * answer is asked again part by part).
 */
export function jointRequest(requests: TaskRequest[], model: string): ChatRequest {
  const shared = sharedStart(requests.map((r) => r.messages));
  const own = requests.flatMap((r) => r.messages.slice(shared));
  // The parts' instructions as one message when they are all the user's (a message costs tokens of its own).
  const instructions = own.every((m) => m.role === "user") ? [{ role: "user" as const, content: own.map((m) => m.content).join("\n\n") }] : own;
  const responseSchema = memo(jointSchemas, requests.map((r) => idOf(r.responseSchema)).join(","), () =>
    z.object(Object.assign({}, ...requests.map((r) => (r.responseSchema as z.ZodObject).shape))),
  );
  return {
    model,
    label: requests.map((r) => r.label).join(" + "),
    messages: [...requests[0]!.messages.slice(0, shared), ...instructions] as Message[],
    schema: responseSchema,
    schemaName: requests.map((r) => r.schemaName).join("_and_"),
    temperature: Math.min(...requests.map((r) => r.temperature ?? 1)),
    maxTokens: requests.every((r) => r.maxTokens) ? Math.max(...requests.map((r) => r.maxTokens!)) : undefined,
  };
}

/** How many leading messages all of these have in common (each keeps one of its own at least). */
function sharedStart(lists: Message[][]): number {
  let n = 0;
  while (lists.every((l) => n < l.length - 1 && l[n]!.role === lists[0]![n]!.role && l[n]!.content === lists[0]![n]!.content)) n++;
  return n;
}

/**
 * Sends the joint call, then judges each member's part exactly as its own answer would be judged
 * (its schema, its checks). A part that holds is that member's answer; a part with problems is
 * repaired by the member alone, from that part (the joint call counts as its first attempt, so
 * a task still makes at most repairs + 1 calls). The call's usage goes to the first member.
 */
function askJointly(run: TaskRun, members: Member[]): void {
  const joint = jointRequest(members.map((m) => m.request), run.model);
  run
    .limiter(() => run.chat.complete({ ...joint, signal: run.signal }), { followUp: false })
    .then(
      (answer) => members.forEach((m, i) => settle(m, answer, i === 0 ? answerUsage(answer) : emptyUsage())),
      (error: unknown) => members.forEach((m, i) => m.reject(i === 0 ? error : sharedFailure(error))),
    );
}

function settle(member: Member, answer: ChatAnswer, paid: Usage): void {
  const { request } = member;
  const withPaid = (result: StructuredResult<unknown>) => member.resolve({ ...result, usage: plus(result.usage, paid) });
  const failedToo = (error: unknown) => member.reject(withUsage(error, plus(usageOf(error) ?? emptyUsage(), paid)));
  let judged: Judgement<unknown>;
  try {
    judged = judgeAnswer(request, answer);
  } catch (error) {
    // Cut off: every part again on its own (a translation can then split itself). A refusal is final.
    if (error instanceof TruncatedError) return void member.alone().then(withPaid, failedToo);
    return failedToo(error);
  }
  if (judged.ok && !judged.hard.length && !judged.soft.length) return withPaid({ value: judged.value, warnings: [], usage: emptyUsage(), attempts: 1 });
  const problems = !judged.ok ? judged.problems : judged.hard.length ? judged.hard : judged.soft;
  const soft = judged.ok && !judged.hard.length ? { value: judged.value } : undefined;
  member.alone({ text: partOf(answer.text, request), problems, soft }).then(withPaid, failedToo);
}

/** The member's own part of a joint answer, as it would have answered alone (the whole text when it is not JSON). */
function partOf(text: string, request: TaskRequest): string {
  try {
    const answer = JSON.parse(text) as Record<string, unknown>;
    return JSON.stringify(Object.fromEntries(Object.keys((request.responseSchema as z.ZodObject).shape).map((key) => [key, answer[key] ?? null])));
  } catch {
    return text;
  }
}


const plus = (usage: Usage, more: Usage): Usage => addUsage({ ...usage }, more);
