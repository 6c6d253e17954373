// Translations of whole articles: one call when the article fits, paragraph-aligned chunks in
// order when it does not, smaller pieces when an answer comes back truncated.
import type { Article } from "../core/types.ts";
import type { Pipeline } from "../run/pipeline.ts";
import type { Translation } from "./schemas.ts";
import type { PromptSet } from "../core/prompts.ts";
import { translateRequest } from "./request.ts";
import { TruncatedError, usageOf } from "../core/errors.ts";
import { emptyUsage } from "../core/types.ts";
import { countTokens, fitsInTokens, paragraphTokens } from "../core/tokens.ts";
import { DEFAULT_CONTEXT_TOKENS, PROMPT_OVERHEAD_TOKENS, chunkParagraphs, joinChunks, translationBudget, type Chunk } from "./chunking.ts";
import { combine, failedAfter, runTask, type TaskOutcome } from "./run-task.ts";

/** How often a truncated translation is split again before the article fails. */
const MAX_SPLITS = 4;

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

/**
 * The prompt numbers the paragraphs it sends "[1]", "[2]"...; a model that copies the number into
 * its answer gets it removed in code (unless the source paragraph itself starts that way).
 */
function withoutEchoedNumber(paragraph: string, index: number, source: string[]): string {
  const echoed = new RegExp(`^\\s*\\[${index + 1}\\]\\s*`);
  return echoed.test(paragraph) && !echoed.test(source[index] ?? "") ? paragraph.replace(echoed, "") : paragraph;
}

/**
 * The whole article in one call when it fits the budget; otherwise paragraph-aligned chunks in
 * order, each told how the previous one ended, so terms stay the same. A truncated answer
 * (finish_reason "length") is retried in smaller pieces rather than failing.
 */
export async function translateArticle(pipeline: Pipeline, article: Article, target: string): Promise<TaskOutcome<Translation>> {
  const budget = translationChunkTokens(pipeline.options, pipeline.context.prompts);
  const chunks = fitsInTokens(article.paragraphs, budget) ? null : chunkParagraphs(article.paragraphs, budget, countTokens);
  if (!chunks) return translatePieces(pipeline, article, target, article.paragraphs, undefined, budget, 0);
  return translateChunks(pipeline, article, target, chunks, undefined, budget, 0, []);
}

/**
 * Chunks in order, each told how the previous one ended, stitched back into the pieces they came
 * from. `paid`: outcomes already paid for (a truncated answer) that count towards the usage.
 */
async function translateChunks(
  pipeline: Pipeline,
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
    const outcome = await translatePieces(pipeline, article, target, chunk.paragraphs, previous, budget, splits).catch((e) =>
      failedAfter([...paid, ...outcomes], e),
    );
    outcomes.push(outcome);
    previous = outcome.value.paragraphs.at(-1);
  }
  const paragraphs = joinChunks(chunks, outcomes.map((o) => o.value.paragraphs));
  return combine([...paid, ...outcomes], { title: outcomes[0]!.value.title, paragraphs });
}

async function translatePieces(
  pipeline: Pipeline,
  article: Article,
  target: string,
  pieces: string[],
  context: string | undefined,
  budget: number,
  splits: number,
): Promise<TaskOutcome<Translation>> {
  const whole = pieces === article.paragraphs;
  const request = translateRequest(pipeline.context, article, target, whole ? undefined : { paragraphs: pieces, context });
  try {
    const outcome = await runTask<Translation>(pipeline, request);
    return { ...outcome, value: { ...outcome.value, paragraphs: outcome.value.paragraphs.map((p, i) => withoutEchoedNumber(p, i, pieces)) } };
  } catch (error) {
    if (!(error instanceof TruncatedError) || splits >= MAX_SPLITS) throw error;
    const smaller = Math.max(50, Math.floor(Math.min(budget, paragraphTokens(pieces)) / 2));
    const chunks = chunkParagraphs(pieces, smaller, countTokens);
    if (chunks.length < 2) throw error;
    // The truncated answer was paid for too.
    const truncated: TaskOutcome<null> = { value: null, warnings: [], usage: usageOf(error) ?? emptyUsage() };
    return translateChunks(pipeline, article, target, chunks, context, smaller, splits + 1, [truncated]);
  }
}
