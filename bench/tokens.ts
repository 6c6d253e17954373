// Billed prompt tokens per source token, counted the way the bench counts them: every request the
// server received, o200k (gpt-tokenizer), the response schema included (a provider bills it as
// part of the prompt), 4 tokens per message and 3 per request beyond the text.
//   npx tsx bench/tokens.ts [FILE...]     (default: samples/putin-beijing.txt and a batch of 20 generated stories)
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ChatRequestBody } from "../test/support/openai-server.ts";
import os from "node:os";
import { mkdtempSync } from "node:fs";
import { startOpenAIServer } from "../test/support/openai-server.ts";
import { countTokens } from "../src/core/tokens.ts";
import type { Article } from "../src/core/types.ts";
import { writeArticleFiles } from "../test/support/articles.ts";
import { naiveBatch, naiveHandler } from "./naive.ts";
import { readArticles } from "../src/article/index.ts";
import { runBatch } from "../src/run/batch.ts";
import { createModelClient } from "../src/model/create.ts";
import { createPipeline, type TaskKind } from "../src/run/pipeline.ts";
import { createScheduler } from "../src/model/scheduler.ts";
import { loadPromptSet } from "../src/core/prompts.ts";
import { defaultGlossaryPath, loadGlossary } from "../src/core/glossary.ts";

const PER_MESSAGE = 4;
const PER_REQUEST = 3;

export interface RequestTokens {
  task: string;
  schema: number;
  /** The messages of the house prompt and the article (the shared prefix). */
  messages: number[];
  total: number;
}

/** o200k tokens of one logged request: response schema, then each message. */
export function requestTokens(body: ChatRequestBody): RequestTokens {
  const schema = body.response_format?.json_schema ? countTokens(JSON.stringify(body.response_format.json_schema)) : 0;
  const messages = body.messages.map((m) => countTokens(m.content) + PER_MESSAGE);
  return { task: body.task ?? "?", schema, messages, total: schema + messages.reduce((a, b) => a + b, 0) + PER_REQUEST };
}

/** The article as a reader has it: title and paragraphs, one per line. */
export function sourceTokens(article: Pick<Article, "title" | "paragraphs">): number {
  return countTokens([article.title, ...article.paragraphs].join("\n"));
}

export interface TokenFigures {
  articles: number;
  calls: number;
  sourceTokens: number;
  promptTokens: number;
  /** What the server credited as cached (its simulation of the provider's prefix cache). */
  cachedTokens: number;
  schemaTokens: number;
  /** Prompt tokens per source token, every token at the full price. */
  perSource: number;
  /** The same with cached tokens at half price (OpenAI's discount). */
  perSourceBilled: number;
}

export function tokenFigures(articles: Pick<Article, "title" | "paragraphs">[], requests: ChatRequestBody[], cachedTokens: number): TokenFigures {
  const source = articles.reduce((sum, a) => sum + sourceTokens(a), 0);
  const counted = requests.map(requestTokens);
  const prompt = counted.reduce((sum, r) => sum + r.total, 0);
  return {
    articles: articles.length,
    calls: requests.length,
    sourceTokens: source,
    promptTokens: prompt,
    cachedTokens,
    schemaTokens: counted.reduce((sum, r) => sum + r.schema, 0),
    perSource: prompt / source,
    perSourceBilled: (prompt - cachedTokens / 2) / source,
  };
}

/** Articles of files or folders, or of "batch": 20 generated stories. */
export async function articlesOf(inputs: string[] | "batch"): Promise<Article[]> {
  let paths = inputs;
  if (paths === "batch") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "newsdesk-tokens-"));
    writeArticleFiles(dir, 20);
    paths = [dir];
  }
  const articles: Article[] = [];
  for await (const item of readArticles(paths)) if ("article" in item) articles.push(item.article);
  return articles;
}

export interface RunFigures extends TokenFigures {
  completionTokens: number;
  /** Process CPU time (this process: the client and the in-process server) per article. */
  cpuMsPerArticle: number;
}

/** `inputs`: files or folders, "batch" for 20 generated stories, or articles. */
export async function measureNewsdesk(inputs: string[] | "batch" | Article[], tasks: TaskKind[], languages = ["de", "en"]): Promise<RunFigures> {
  const articles = Array.isArray(inputs) && typeof inputs[0] === "object" ? (inputs as Article[]) : await articlesOf(inputs as string[] | "batch");
  const server = await startOpenAIServer({ tokens: countTokens });
  try {
    const scheduler = createScheduler({ maxConcurrency: 4 });
    const pipeline = createPipeline({
      client: createModelClient({ baseURL: server.url, maxRetries: 0, onRateHint: scheduler.observe }),
      model: "test-model",
      cache: null,
      languages,
      tasks,
      prompts: loadPromptSet(),
      glossary: loadGlossary(defaultGlossaryPath()),
      limiter: scheduler.run,
      concurrency: 4,
    });
    const cpu = process.cpuUsage();
    const summary = await runBatch(
      (async function* () {
        for (const article of articles) yield { article };
      })(),
      pipeline,
      { articlesInFlight: 8 },
    );
    if (summary.failures.length) throw new Error(`measureNewsdesk: ${summary.failures.length} articles failed: ${summary.failures[0]!.reason}`);
    const used = process.cpuUsage(cpu);
    return {
      ...tokenFigures(articles, server.requests, summary.usage.cachedTokens),
      completionTokens: summary.usage.completionTokens,
      cpuMsPerArticle: (used.user + used.system) / 1000 / articles.length,
    };
  } finally {
    await server.close();
  }
}

/** The 7-call script (bench/naive.ts) on the same articles, counted the same way. */
export async function measureNaive(articles: Article[], languages = ["de", "en"]): Promise<RunFigures> {
  const server = await startOpenAIServer({ tokens: countTokens, handler: naiveHandler });
  try {
    const cpu = process.cpuUsage();
    const result = await naiveBatch(articles, { baseURL: server.url, concurrency: 4, languages, translate: true });
    const used = process.cpuUsage(cpu);
    if (result.failedArticles) throw new Error(`measureNaive: ${result.failedArticles} articles failed`);
    return {
      ...tokenFigures(articles, server.requests, result.cachedTokens),
      completionTokens: result.completionTokens,
      cpuMsPerArticle: (used.user + used.system) / 1000 / articles.length,
    };
  } finally {
    await server.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const tasks of [["translate", "digest"], ["digest"]] as const) {
    for (const input of process.argv.length > 2 ? [process.argv.slice(2)] : [["samples/putin-beijing.txt"], "batch" as const]) {
      const f = await measureNewsdesk(input, [...tasks]);
      console.log(
        `${tasks.length === 2 ? "run" : "summarize"} ${input === "batch" ? "batch of 20" : input.join(" ")}: ${f.calls} calls, source ${f.sourceTokens}, prompt ${f.promptTokens} (schema ${f.schemaTokens}), ` +
          `${f.perSource.toFixed(2)} per source token, ${f.perSourceBilled.toFixed(2)} billed with cached at half, cached ${((100 * f.cachedTokens) / f.promptTokens).toFixed(0)}%`,
      );
    }
  }
}
