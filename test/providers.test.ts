// The provider seam (issue 12): a second provider is one file in model/, chosen by configuration;
// and a failure shared by identical work in flight keeps its class, so both articles recover alike.
import { describe, expect, it } from "vitest";
import { useOpenAIServer } from "./support/use-server.ts";
import { describeRequest, fakeModel } from "./support/fake-model.ts";
import { runCli } from "./support/cli.ts";
import { SECRET_KEY, seedArticle, tempDir, testPipeline } from "./support/setup.ts";
import { createModelClient } from "../src/model/create.ts";
import { processArticle } from "../src/run/pipeline.ts";
import type { Article } from "../src/core/types.ts";

const server = useOpenAIServer();

describe("the azure provider", () => {
  it("speaks to {endpoint}/openai/deployments/{deployment}/chat/completions with an api-key header", async () => {
    const endpoint = server.url.replace(/\/v1$/, "");
    const pipeline = testPipeline(server.url, { client: createModelClient({ kind: "azure", baseURL: endpoint, apiKey: SECRET_KEY, apiVersion: "2024-10-21" }), model: "news-gpt" });
    const result = await processArticle(seedArticle(), pipeline);
    expect(result.languages.de!.paragraphs).toHaveLength(12);
    expect(server.requests).toHaveLength(1);
    for (const request of server.requests) {
      expect(request.headers!["api-key"]).toBe(SECRET_KEY);
      expect(request.headers!.authorization).toBeUndefined();
      expect(request.response_format?.type).toBe("json_schema");
    }
  });

  it("is chosen by --provider azure (or NEWSDESK_PROVIDER); a rejected key is a configuration error naming the variable", async () => {
    const endpoint = server.url.replace(/\/v1$/, "");
    const env = { OPENAI_BASE_URL: endpoint, OPENAI_API_KEY: SECRET_KEY, XDG_CACHE_HOME: tempDir() };
    const ok = await runCli(["translate", "samples/putin-beijing.txt", "--to", "de", "--provider", "azure", "-m", "news-gpt", "--json", "-q"], { env });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).languages.de.paragraphs).toHaveLength(12);
    server.setHandler(() => ({ status: 401, message: "Access denied due to invalid subscription key." }));
    const denied = await runCli(["summarize", "samples/putin-beijing.txt", "--no-cache"], { env: { ...env, NEWSDESK_PROVIDER: "azure" } });
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/rejected the API key \(401: Access denied.*\): check OPENAI_API_KEY/);
    const unknown = await runCli(["summarize", "samples/putin-beijing.txt"], { env: { ...env, NEWSDESK_PROVIDER: "bedrock" } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/provider "bedrock" is not one newsdesk knows \(openai, azure\)/);
  });
});

describe("identical work in flight", () => {
  it("a truncated translation shared by two identical articles is split and recovered for both, not failed for the second", async () => {
    // The "model" runs out of output tokens for anything over 4 paragraphs.
    server.setHandler((body) => {
      const info = describeRequest(body);
      if (info.task === "translate" && info.paragraphs.length > 4) return { delayMs: 50, then: { content: '{"translation": {"title": "Rat", "paragraphs": ["Im', finishReason: "length" } };
      return fakeModel(body);
    });
    const pipeline = testPipeline(server.url, { languages: ["de"], tasks: ["translate"], cache: null });
    const article: Article = seedArticle();
    const twin: Article = { ...article, source: { path: "twin.txt" } };
    const [a, b] = await Promise.all([processArticle(article, pipeline), processArticle(twin, pipeline)]);
    expect(a.languages.de!.paragraphs).toHaveLength(12);
    expect(b.languages.de!.paragraphs).toHaveLength(12);
    // The whole-article call was made once (shared), then the pieces, each once.
    const whole = server.requests.filter((r) => describeRequest(r).paragraphs.length === 12);
    expect(whole).toHaveLength(1);
  });
});
