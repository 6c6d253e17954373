// The script a user would otherwise write: the openai client with its default retries,
// Promise.all over the articles under a p-limit, one call per task and language, no validation.
// For `run --lang de,en` on an English article that is 7 calls: the German translation, and a
// summary, key points and a newsletter snippet for each language (each with the article).
import OpenAI from "openai";
import pLimit from "p-limit";
import type { Article } from "../src/core/types.ts";
import { fakeModel } from "../test/support/fake-model.ts";
import type { Handler } from "../test/support/openai-server.ts";

/** The test model for the script's calls: a digest reply cut down to the one part a call asks for (summary, keyPoints or snippet). */
export const naiveHandler: Handler = (body) => {
  const reply = fakeModel(body);
  const asked = /answer as JSON \{"(summary|keyPoints|snippet)"/.exec(body.messages[0]?.content ?? "")?.[1];
  if (!asked || !("json" in reply)) return reply;
  const digest = (reply.json as { digest?: Record<string, Record<string, unknown>> }).digest ?? {};
  return { json: Object.fromEntries(Object.entries(digest).map(([lang, part]) => [lang, { [asked]: part[asked] }])) };
};

export interface NaiveResult { calls: number; promptTokens: number; cachedTokens: number; completionTokens: number; failedArticles: number; wallMs: number }

const NAMES: Record<string, string> = { de: "German", en: "English" };

export async function naiveBatch(articles: Article[], options: { baseURL: string; concurrency: number; languages: string[]; translate: boolean }): Promise<NaiveResult> {
  const client = new OpenAI({ apiKey: "not-needed", baseURL: options.baseURL });
  const limit = pLimit(options.concurrency);
  const result = { calls: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0 };
  const ask = async (system: string, text: string) => {
    result.calls++;
    const completion = await client.chat.completions.create({
      model: "test-model",
      messages: [{ role: "system", content: system }, { role: "user", content: text }],
      response_format: { type: "json_object" },
    });
    result.promptTokens += completion.usage?.prompt_tokens ?? 0;
    result.cachedTokens += completion.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    result.completionTokens += completion.usage?.completion_tokens ?? 0;
    return JSON.parse(completion.choices[0]?.message.content ?? "{}");
  };
  const started = Date.now();
  const settled = await Promise.allSettled(
    articles.map((article) =>
      limit(async () => {
        const text = `<article>\nTitle: ${article.title}\n${article.paragraphs.map((p, i) => `[${i + 1}] ${p}`).join("\n")}\n</article>`;
        const jobs: Promise<unknown>[] = [];
        for (const lang of options.languages) {
          const name = NAMES[lang] ?? lang;
          if (options.translate && lang !== article.lang) {
            jobs.push(ask(`Task: translate the article into ${name}. Answer as JSON {title, paragraphs}.`, text));
          }
          jobs.push(ask(`Task: condense the article into a summary of at most 60 words in ${name}. For each language code (${lang}) answer as JSON {"summary": "..."}.`, text));
          jobs.push(ask(`Task: condense the article into 3 to 5 key points in ${name}. For each language code (${lang}) answer as JSON {"keyPoints": ["..."]}.`, text));
          jobs.push(ask(`Task: condense the article into a newsletter snippet in ${name}. For each language code (${lang}) answer as JSON {"snippet": {"headline": "...", "teaser": "..."}}.`, text));
        }
        await Promise.all(jobs);
      }),
    ),
  );
  return { ...result, failedArticles: settled.filter((s) => s.status === "rejected").length, wallMs: Date.now() - started };
}
