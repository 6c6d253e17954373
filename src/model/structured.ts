// Provider-neutral structured answers: ask, validate with zod, run the checks, and ask again
// with the problems named until the answer holds or the repairs run out. Each call goes through
// the limiter on its own, so transport retries (there) never multiply the repairs (here).
import type { z } from "zod";
import type { Message } from "../core/prompts.ts";
import { addUsage, emptyUsage, type Finding, type Usage } from "../core/types.ts";
import { InvalidAnswerError, RefusalError, TruncatedError, withUsage } from "../core/errors.ts";
import { containsSecret } from "../core/secrets.ts";
import type { ChatAnswer, ChatModel, Limiter } from "./provider.ts";

export interface StructuredRequest<S extends z.ZodType> {
  model: string;
  messages: Message[];
  /** Validates the answer (and may unwrap it). */
  schema: S;
  /** The shape asked of the provider; default: `schema`. */
  responseSchema?: z.ZodType;
  schemaName: string;
  temperature?: number;
  maxTokens?: number;
  /** Checks a schema cannot make, run on every valid answer. */
  check?: (value: z.infer<S>) => Finding[];
  /** Repair retries after an invalid answer (default 2): at most repairs + 1 calls. */
  repairs?: number;
  /** What the call is for, e.g. "translate de" (see ChatRequest.label). */
  label?: string;
  /** Runs each call (default: at once); transport retries happen there. */
  limiter?: Limiter;
  signal?: AbortSignal;
  /**
   * An answer already given to this request (e.g. its part of a joint call, see tasks/article-calls.ts)
   * and its problems: the loop starts with its repair, and that answer counts as the first attempt.
   * `soft`: the problems were only soft findings, and this is the value to keep if the repair is worse.
   */
  answered?: { text: string; problems: string[]; soft?: { value: z.infer<S> } };
}

export interface StructuredResult<T> {
  value: T;
  usage: Usage;
  /** Soft findings that survived their retry. */
  warnings: string[];
  attempts: number;
}

export async function requestStructured<S extends z.ZodType>(chat: ChatModel, request: StructuredRequest<S>): Promise<StructuredResult<z.infer<S>>> {
  const usage = emptyUsage();
  try {
    return await repairLoop(chat, request, usage);
  } catch (error) {
    throw withUsage(error, usage);
  }
}

/** Asks, validates, and asks again with the problems named, until an answer holds or the repairs run out. */
async function repairLoop<S extends z.ZodType>(chat: ChatModel, request: StructuredRequest<S>, usage: Usage): Promise<StructuredResult<z.infer<S>>> {
  const repairs = request.repairs ?? 2;
  const send: Limiter = request.limiter ?? ((fn) => fn());
  const conversation: Message[] = [...request.messages];
  let lastProblems: string[] = [];
  let softRetried = false;
  let fallback: { value: z.infer<S>; soft: string[] } | null = null;
  const answered = request.answered;
  if (answered) {
    conversation.push({ role: "assistant", content: answered.text }, { role: "user", content: repairMessage(answered.problems) });
    lastProblems = answered.problems;
    if (answered.soft) {
      softRetried = true;
      fallback = { value: answered.soft.value, soft: answered.problems };
    }
  }

  for (let attempt = answered ? 1 : 0; attempt <= repairs; attempt++) {
    const messages = [...conversation];
    const answer = await send(
      () =>
        chat.complete({
          model: request.model,
          messages,
          schema: request.responseSchema ?? request.schema,
          schemaName: request.schemaName,
          temperature: request.temperature,
          maxTokens: request.maxTokens,
          signal: request.signal,
          label: request.label,
          repair: attempt > 0,
        }),
      { followUp: attempt > 0 },
    );
    addUsage(usage, answerUsage(answer));
    const judged = judgeAnswer(request, answer);
    let problems: string[];
    if (judged.ok) {
      problems = judged.hard;
      const soft = judged.soft;
      if (problems.length === 0) {
        // Soft findings get one retry; what remains is kept as warnings.
        if (soft.length === 0 || softRetried || attempt === repairs) return { value: judged.value, usage, warnings: soft, attempts: attempt + 1 };
        fallback = { value: judged.value, soft };
        softRetried = true;
        problems = soft;
      }
    } else {
      problems = judged.problems;
    }
    lastProblems = problems;
    conversation.push({ role: "assistant", content: answer.text });
    conversation.push({ role: "user", content: repairMessage(problems) });
  }
  if (fallback) return { value: fallback.value, usage, warnings: fallback.soft, attempts: repairs + 1 };
  throw new InvalidAnswerError(`answer still invalid after ${repairs} repair${repairs === 1 ? "" : "s"}: ${lastProblems.join("; ")}`, lastProblems);
}

/** What one answer is worth: a parsed value with the checks' hard and soft findings, or the problems that make it unusable. */
export type Judgement<T> = { ok: true; value: T; hard: string[]; soft: string[] } | { ok: false; problems: string[] };

/**
 * The validate-and-check step every answer goes through, whether it came from a synchronous call
 * or a batch: a refusal, a content filter or a cut-off answer throws (RefusalError,
 * TruncatedError); otherwise the JSON is validated with the zod schema and the checks are run.
 * `ok` with no hard and no soft findings: usable as it is (what the repair loop returns at once).
 */
export function judgeAnswer<S extends z.ZodType>(request: Pick<StructuredRequest<S>, "schema" | "check" | "maxTokens">, answer: ChatAnswer): Judgement<z.infer<S>> {
  if (answer.refusal) throw new RefusalError(`the model refused: ${oneLine(answer.refusal)}`);
  if (answer.finish === "content_filter") throw new RefusalError(`the answer was stopped by the provider's content filter`);
  if (answer.finish === "length") {
    throw new TruncatedError(`the answer was cut off at the token limit (finish_reason "length"; max_tokens ${request.maxTokens ?? "default"})`);
  }
  // A server that puts the key into an answer must not get it into the cache or any output.
  const parsed: Validation<z.infer<S>> = containsSecret(answer.text)
    ? { ok: false, problems: ["the answer contains the API key; it must not"] }
    : validate(request.schema, answer.text, !answer.enforced);
  if (!parsed.ok) return parsed;
  const findings = request.check?.(parsed.value) ?? [];
  return {
    ok: true,
    value: parsed.value,
    hard: findings.filter((f) => f.severity === "hard").map((f) => f.message),
    soft: findings.filter((f) => f.severity === "soft").map((f) => f.message),
  };
}

function repairMessage(problems: string[]): string {
  return ["Your answer cannot be used:", ...problems.map((p) => `- ${p}`), "Answer again with the complete corrected JSON object only."].join("\n");
}

type Validation<T> = { ok: true; value: T } | { ok: false; problems: string[] };

function validate<S extends z.ZodType>(schema: S, text: string, lenient: boolean): Validation<z.infer<S>> {
  let data: unknown;
  try {
    data = JSON.parse(lenient ? extractJson(text) : text);
  } catch (error) {
    return { ok: false, problems: [`the answer is not valid JSON (${oneLine((error as Error).message)})`] };
  }
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: result.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "answer"}: ${issue.message}`) };
}

/** For servers without structured output: the JSON object inside fences or prose. */
function extractJson(text: string): string {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const body = fenced ? fenced[1]! : text;
  const start = body.indexOf("{");
  const end = body.lastIndexOf("}");
  return start >= 0 && end > start ? body.slice(start, end + 1) : body;
}

/** What one answer counts: a call and its tokens. */
export function answerUsage(answer: Pick<ChatAnswer, "usage">): Usage {
  return { ...emptyUsage(), calls: 1, promptTokens: answer.usage.promptTokens, completionTokens: answer.usage.completionTokens, cachedTokens: answer.usage.cachedTokens };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 300);
}
