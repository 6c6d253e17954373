// The script a user would otherwise write: the openai client with its default retries,
// Promise.all over the articles under a p-limit, one call per task and language, no validation.
import OpenAI from "openai";
import pLimit from "p-limit";
import type { Article } from "../src/core/types.ts";

export interface NaiveResult { calls: number; promptTokens: number; failedArticles: number; wallMs: number }

export async function naiveBatch(articles: Article[], options: { baseURL: string; concurrency: number; languages: string[]; translate: boolean }): Promise<NaiveResult> {
  const client = new OpenAI({ apiKey: "not-needed", baseURL: options.baseURL });
  const limit = pLimit(options.concurrency);
  let calls = 0;
  let promptTokens = 0;
  const ask = async (system: string, text: string) => {
    calls++;
    const completion = await client.chat.completions.create({
      model: "test-model",
      messages: [{ role: "system", content: system }, { role: "user", content: text }],
      response_format: { type: "json_object" },
    });
    promptTokens += completion.usage?.prompt_tokens ?? 0;
    return JSON.parse(completion.choices[0]?.message.content ?? "{}");
  };
  const started = Date.now();
  const settled = await Promise.allSettled(
    articles.map((article) =>
      limit(async () => {
        const text = `<article>\nTitle: ${article.title}\n${article.paragraphs.map((p, i) => `[${i + 1}] ${p}`).join("\n")}\n</article>`;
        const jobs: Promise<unknown>[] = [];
        for (const lang of options.languages) {
          if (options.translate && lang !== article.lang) {
            jobs.push(ask(`Task: translate the article into ${lang === "de" ? "German" : "English"}. Answer as JSON {title, paragraphs}.`, text));
          }
          jobs.push(ask(`Task: condense the article. For each language code (${lang}) give summary, keyPoints, snippet as JSON.`, text));
        }
        await Promise.all(jobs);
      }),
    ),
  );
  return { calls, promptTokens, failedArticles: settled.filter((s) => s.status === "rejected").length, wallMs: Date.now() - started };
}
