// Shared set-up for tests that run the pipeline against the local OpenAI-compatible server.
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArticle, readArticles, type ReadItem, type ReadOptions } from "../../src/article/index.ts";
import { Cache } from "../../src/core/cache.ts";
import { createModelClient } from "../../src/model/create.ts";
import { createPipeline, type PipelineOptions } from "../../src/run/pipeline.ts";
import { DEFAULT_PROMPTS_DIR, loadPromptSet } from "../../src/core/prompts.ts";
import { defaultGlossaryPath, loadGlossary } from "../../src/core/glossary.ts";
import type { Article } from "../../src/core/types.ts";
import { registerTranslation } from "./fake-model.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SEED_PATH = path.join(ROOT, "samples/putin-beijing.txt");
/** A key that must never show up anywhere the user or a log can see. */
export const SECRET_KEY = "sk-test-SECRET-0123456789abcdef";

/** The environment of a CLI run against a test server: its URL, the test key, a fresh cache folder, gpt-4o-mini (priced). */
export function cliEnv(server: { url: string }, extra: Record<string, string> = {}): Record<string, string> {
  return { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: SECRET_KEY, XDG_CACHE_HOME: tempDir(), NEWSDESK_MODEL: "gpt-4o-mini", ...extra };
}

export function tempDir(prefix = "newsdesk-test-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Everything the readers give for these inputs, in order: articles and errors. */
export async function readAll(inputs: string[], options: ReadOptions = {}): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const item of readArticles(inputs, options)) out.push(item);
  return out;
}

export function seedArticle(): Article {
  return parseArticle(readFileSync(SEED_PATH, "utf8"), { path: SEED_PATH }, "text");
}

/**
 * The seed with its paragraphs twice (24, ~1,400 tokens): long enough that its translation and
 * digest calls share a prefix a provider caches (1,024 tokens), so `run` makes two calls, not one joint call.
 */
export function longArticle(): Article {
  const seed = seedArticle();
  return { ...seed, id: `${seed.id}-long`, title: `${seed.title} (long)`, paragraphs: [...seed.paragraphs, ...seed.paragraphs.map((p) => `${p} Again.`)] };
}

/** Makes the fake model answer the seed's German translation with a faithful human one. */
export function registerSeedTranslation(): void {
  const de = JSON.parse(readFileSync(path.join(ROOT, "test/fixtures/putin-beijing.de.json"), "utf8"));
  registerTranslation(seedArticle().title, "de", de);
}

/** A copy of the shipped prompts that a test may edit. */
export function promptsCopy(): string {
  const dir = path.join(tempDir("newsdesk-prompts-"), "prompts");
  cpSync(DEFAULT_PROMPTS_DIR, dir, { recursive: true });
  return dir;
}

export function testPipeline(url: string, overrides: Partial<PipelineOptions> & { cacheFile?: string; promptsDir?: string } = {}) {
  const { cacheFile, promptsDir, ...rest } = overrides;
  return createPipeline({
    client: createModelClient({ baseURL: url, apiKey: SECRET_KEY, maxRetries: 0 }),
    model: "test-model",
    cache: new Cache(cacheFile ?? path.join(tempDir(), "cache.sqlite")),
    languages: ["de", "en"],
    prompts: loadPromptSet(promptsDir),
    glossary: loadGlossary(defaultGlossaryPath()),
    ...rest,
  });
}
