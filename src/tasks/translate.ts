// The translation task: one per result language the article is not written in (the source
// language's version is the cleaned original, no call). One call when the article fits; paragraph-
// aligned chunks in order when it does not; smaller pieces when an answer comes back truncated.
import type { Article } from "../core/types.ts";
import { emptyUsage } from "../core/types.ts";
import { TruncatedError, usageOf } from "../core/errors.ts";
import { renderPrompt, type PromptSet } from "../core/prompts.ts";
import { baseLanguage, languageName } from "../core/language-tags.ts";
import { styleRules } from "../core/styles.ts";
import { formalityFor, registerRule } from "../core/formality.ts";
import { countTokens, fitsInTokens, paragraphTokens } from "../core/tokens.ts";
import { applyHouseStyle, checkTranslation } from "../checks/index.ts";
import { DEFAULT_CONTEXT_TOKENS, PROMPT_OVERHEAD_TOKENS, chunkParagraphs, joinChunks, translationBudget, type Chunk } from "./chunking.ts";
import { TRANSLATION_TASK, TranslationAnswer, TranslationSchema, translationTaskSchema, type Translation } from "./schemas.ts";
import { bullets, houseMessages, keyFor, once, responseFormat, shapeHash, tasksOf, termsFor, termsText, type TaskRequest } from "./request.ts";
import { combine, failedAfter, runTask } from "./run-task.ts";
import { withoutEchoedNumber } from "./article-block.ts";
import type { PlannedCall, Task, TaskContext, TaskJob, TaskOutcome, TaskRun } from "./context.ts";

/** How often a truncated translation is split again before the article fails. */
const MAX_SPLITS = 4;
/** A translation is about as long as its source (German a little longer). */
const ANSWER_FACTOR = 1.25;

/** Article tokens per translation call: --chunk-tokens, else from the context window and the prompt's max_tokens. */
export function translationChunkTokens(options: { chunkTokens?: number; contextTokens?: number }, prompts: PromptSet): number {
  return (
    options.chunkTokens ??
    translationBudget({
      contextTokens: options.contextTokens ?? DEFAULT_CONTEXT_TOKENS,
      maxOutputTokens: prompts.translate.settings.max_tokens ?? 16_000,
      overheadTokens: PROMPT_OVERHEAD_TOKENS,
    })
  );
}

/** null when the article fits one call, else its paragraph-aligned chunks: the decision run and plan share. */
function chunksOf(context: TaskContext, article: Article): Chunk[] | null {
  const budget = translationChunkTokens(context, context.prompts);
  return fitsInTokens(article.paragraphs, budget) ? null : chunkParagraphs(article.paragraphs, budget, countTokens);
}

export function translateRequest(ctx: TaskContext, article: Article, target: string, chunk?: { paragraphs: string[]; context?: string }) {
  const { prompts } = ctx;
  // The article itself when it is translated whole: its house messages and terms are made once for all its calls.
  const source = chunk ? { ...article, paragraphs: chunk.paragraphs } : article;
  const paragraphs = source.paragraphs;
  const glossary = termsFor(ctx.glossary, source, target);
  const glossaryText = termsText(glossary);
  const styleLines = [...styleRules(target)];
  const formality = formalityFor(ctx.formality, target);
  if (formality) styleLines.push(registerRule(formality));
  if (chunk?.context) styleLines.push(`This is a part of a longer article. For consistent terms, the previous part read: ${chunk.context}`);
  const messages = [
    ...houseMessages(prompts, source),
    ...renderPrompt(prompts.translate, {
      target_language: languageName(target),
      paragraph_count: String(paragraphs.length),
      style_rules: bullets(styleLines),
      glossary: glossaryText ? `- Terms: ${glossaryText}` : "",
    }),
  ];
  const settings = prompts.translate.settings;
  // A part of a longer article shares no prefix with the digest (which has the whole article).
  const shares = !chunk && tasksOf(ctx).includes("digest");
  const format = once(() => responseFormat(ctx, article, { schema: translationTaskSchema, name: TRANSLATION_TASK }, shares));
  const request: TaskRequest<typeof TranslationAnswer> = {
    task: "translate",
    label: `translate ${target}`,
    article: { id: article.id, title: article.title },
    langs: [target],
    key: keyFor("translate", [prompts.house, prompts.translate], ctx.model, shapeHash("translation", () => TranslationSchema), settings, messages),
    messages,
    schema: TranslationAnswer,
    get responseSchema() {
      return format().schema;
    },
    get schemaName() {
      return format().name;
    },
    temperature: settings.temperature,
    maxTokens: settings.max_tokens,
    check: (value) => checkTranslation({ source: { title: article.title, paragraphs, lang: article.lang }, output: value, target, glossary, formality }),
    joinable: shares,
  };
  return request;
}

/**
 * The whole article in one call when it fits the budget; otherwise paragraph-aligned chunks in
 * order, each told how the previous one ended, so terms stay the same.
 */
export async function translateArticle(run: TaskRun, article: Article, target: string): Promise<TaskOutcome<Translation>> {
  const budget = translationChunkTokens(run, run.prompts);
  const chunks = chunksOf(run, article);
  if (!chunks) return translatePieces(run, article, target, article.paragraphs, undefined, budget, 0);
  return translateChunks(run, article, target, chunks, undefined, budget, 0, []);
}

/**
 * Chunks in order, each told how the previous one ended, stitched back into the pieces they came
 * from. `paid`: outcomes already paid for (a truncated answer) that count towards the usage.
 */
async function translateChunks(
  run: TaskRun,
  article: Article,
  target: string,
  chunks: Chunk[],
  context: string | undefined,
  budget: number,
  splits: number,
  paid: TaskOutcome<unknown>[],
): Promise<TaskOutcome<Translation>> {
  const outcomes: TaskOutcome<Translation>[] = [];
  let previous = context;
  for (const chunk of chunks) {
    const outcome = await translatePieces(run, article, target, chunk.paragraphs, previous, budget, splits).catch((e) => failedAfter([...paid, ...outcomes], e));
    outcomes.push(outcome);
    previous = outcome.value.paragraphs.at(-1);
  }
  const paragraphs = joinChunks(chunks, outcomes.map((o) => o.value.paragraphs));
  return combine([...paid, ...outcomes], { title: outcomes[0]!.value.title, paragraphs });
}

/** Pieces of the article in one call; a truncated answer is retried in smaller pieces rather than failing. */
async function translatePieces(
  run: TaskRun,
  article: Article,
  target: string,
  pieces: string[],
  context: string | undefined,
  budget: number,
  splits: number,
): Promise<TaskOutcome<Translation>> {
  const whole = pieces === article.paragraphs;
  const request = translateRequest(run, article, target, whole ? undefined : { paragraphs: pieces, context });
  try {
    const outcome = await runTask<Translation>(run, request);
    return { ...outcome, value: { ...outcome.value, paragraphs: outcome.value.paragraphs.map((p, i) => withoutEchoedNumber(p, i, pieces[i])) } };
  } catch (error) {
    if (!(error instanceof TruncatedError) || splits >= MAX_SPLITS) throw error;
    const smaller = Math.max(50, Math.floor(Math.min(budget, paragraphTokens(pieces)) / 2));
    const chunks = chunkParagraphs(pieces, smaller, countTokens);
    if (chunks.length < 2) throw error;
    // The truncated answer was paid for too.
    const truncated: TaskOutcome<null> = { value: null, warnings: [], usage: usageOf(error) ?? emptyUsage() };
    return translateChunks(run, article, target, chunks, context, smaller, splits + 1, [truncated]);
  }
}

/** The one result language a translation job fills. */
const lang = (job: TaskJob) => Object.keys(job.targets)[0]!;

export const translateTask: Task<Translation> = {
  kind: "translate",

  jobs(article, targets) {
    return Object.entries(targets).map(([key, target]) => ({ targets: { [key]: target }, free: baseLanguage(target) === article.lang }));
  },

  async run(run, article, job) {
    if (job.free) return { value: { title: article.title, paragraphs: article.paragraphs }, warnings: [], usage: emptyUsage() };
    const outcome = await translateArticle(run, article, job.targets[lang(job)]!);
    return { ...outcome, warnings: outcome.warnings.map((w) => `${lang(job)}: ${w}`) };
  },

  plan(context, article, job): PlannedCall[] {
    if (job.free) return [];
    const target = job.targets[lang(job)]!;
    const chunks = chunksOf(context, article);
    // From the second chunk on, the real prompt quotes the previous chunk's translation, which a
    // plan cannot know: those keys never match the cache (counted as calls).
    const pieces = chunks ? chunks.map((c, i) => ({ paragraphs: c.paragraphs, context: i === 0 ? undefined : "(the end of the previous part's translation)" })) : [undefined];
    return pieces.map((piece) => ({
      request: translateRequest(context, article, target, piece) as TaskRequest,
      completionTokens: Math.ceil(paragraphTokens([article.title, ...(piece?.paragraphs ?? article.paragraphs)]) * ANSWER_FACTOR),
    }));
  },

  apply(languages, job, value) {
    const key = lang(job);
    const target = job.targets[key]!;
    languages[key]!.title = applyHouseStyle(value.title, target);
    languages[key]!.paragraphs = value.paragraphs.map((p) => applyHouseStyle(p, target));
  },
};
