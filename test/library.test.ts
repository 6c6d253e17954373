// The package as a library user imports it: `import { ... } from "newsdesk"`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { Cache, createModelClient, createPipeline, processArticle, readArticles, runBatch, type ArticleResult } from "newsdesk";
import { startOpenAIServer, type TestServer } from "./support/openai-server.ts";
import { ROOT, tempDir } from "./support/setup.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

describe('import from "newsdesk"', () => {
  it("reads, processes and batches articles through the public API", async () => {
    const pipeline = createPipeline({
      client: createModelClient({ baseURL: server.url }),
      model: "test-model",
      cache: new Cache(path.join(tempDir(), "cache.sqlite")),
      languages: ["de", "en"],
      tasks: ["digest"],
    });
    const results: ArticleResult[] = [];
    for await (const item of readArticles([path.join(ROOT, "samples/putin-beijing.txt")])) {
      if ("article" in item) results.push(await processArticle(item.article, pipeline));
    }
    expect(results).toHaveLength(1);
    expect(results[0]!.languages.de!.keyPoints!.length).toBeGreaterThanOrEqual(3);

    const summary = await runBatch(readArticles([path.join(ROOT, "samples")]), pipeline);
    expect(summary).toMatchObject({ articles: 5, done: 5, failures: [] });
    // The seed's digest came from the cache the second time.
    expect(summary.usage.cacheHits).toBe(1);
  });
});
