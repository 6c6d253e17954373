// Issue 9: wire files as editors save them (final newline, CRLF, indented and hard-wrapped
// layouts) go through the pipeline at exactly 2 calls per article (one translation, one digest).
// The scripted model answers a translation with as many paragraphs as the story really has, as a
// real model does when it sees the text: a reader that lost the structure would show up as
// paragraph-count repairs and more calls.
import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { useOpenAIServer } from "./support/use-server.ts";
import { tasksAsked, describeRequest, fakeModel, fakeTranslation, translationReply } from "./support/fake-model.ts";
import { generateArticle } from "./support/articles.ts";
import { tempDir, testPipeline } from "./support/setup.ts";
import { readArticles } from "../src/article/index.ts";
import { runBatch } from "../src/run/batch.ts";
import type { ArticleResult } from "../src/core/types.ts";

/** Hard-wraps a paragraph at `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const LAYOUTS = ["one-per-line", "blank-line CRLF", "indented wrapped", "hard-wrapped blank-line", "title blank one-per-line"] as const;

/** Story i in layout i % 5, always ending with a newline. */
function wireFile(i: number): string {
  const a = generateArticle(i);
  const layout = LAYOUTS[i % LAYOUTS.length]!;
  switch (layout) {
    case "one-per-line":
      return [a.title, `Published: ${a.published}`, ...a.paragraphs, `©${a.credit}`].join("\n") + "\n";
    case "blank-line CRLF":
      return [a.title, `Published: ${a.published}`, "", ...a.paragraphs.flatMap((p) => [p, ""]), "(sda)"].join("\r\n") + "\r\n";
    case "indented wrapped":
      return ["26-FEB-1987 15:57:48.22", a.title, ...a.paragraphs.flatMap((p) => wrap(p, 64).map((l, j) => (j === 0 ? `    ${l}` : l))), " Reuter"].join("\n") + "\n";
    case "hard-wrapped blank-line":
      return [a.title, "16.05.2024, 13:01 Uhr", "", ...a.paragraphs.flatMap((p) => [...wrap(p, 70), ""]), "dpa"].join("\n") + "\n\n";
    case "title blank one-per-line":
      return [a.title, "", ...a.paragraphs, "AP"].join("\n") + "\n";
  }
}

const server = useOpenAIServer({
  handler: (body) => {
    const info = describeRequest(body);
    if (info.task !== "translate") return fakeModel(body);
    const truth = truthByTitle.get(info.title);
    if (!truth) return fakeModel(body);
    return translationReply(fakeTranslation({ ...info, paragraphs: truth }));
  },
});
const truthByTitle = new Map<string, string[]>();

async function runWireBatch(count: number) {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const a = generateArticle(i);
    truthByTitle.set(a.title, a.paragraphs);
    writeFileSync(path.join(dir, `wire-${String(i + 1).padStart(4, "0")}.txt`), wireFile(i));
  }
  const results: ArticleResult[] = [];
  const pipeline = testPipeline(server.url);
  const summary = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: 16, onResult: (r) => void results.push(r) });
  return { summary, results };
}

describe("a batch of wire files that end with newlines", () => {
  it("30 files in five layouts: every article done in 1 joint call, paragraphs as written", async () => {
    const { summary, results } = await runWireBatch(30);
    expect(results.every((r) => r.usage.calls === 1 && r.warnings.length === 0)).toBe(true);
    expect(summary.failures).toEqual([]);
    expect(summary.done).toBe(30);
    expect(server.requests).toHaveLength(30);
    expect(tasksAsked(server.requests)).toHaveLength(60);
    expect(summary.usage.calls).toBe(30);
    const translations = server.requests.map(describeRequest).filter((r) => r.task === "translate");
    expect(translations).toHaveLength(30);
    for (const t of translations) expect(t.paragraphs).toEqual(truthByTitle.get(t.title));
  }, 60_000);

  it("300 files: 300 joint calls for 600 tasks", async () => {
    const { summary } = await runWireBatch(300);
    expect(summary.failures).toEqual([]);
    expect(summary.done).toBe(300);
    expect(server.requests).toHaveLength(300);
    expect(tasksAsked(server.requests)).toHaveLength(600);
  }, 120_000);
});
