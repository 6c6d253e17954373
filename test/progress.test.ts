// Progress knows its total before the first call (issue 11): counted from the inputs, not grown
// while they are read.
import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { countArticles } from "../src/article/index.ts";
import { createProgress } from "../src/cli/progress.ts";
import { articlesJsonl, writeArticleFiles } from "./support/articles.ts";
import { tempDir } from "./support/setup.ts";

describe("counting the inputs first", () => {
  it("counts files, files in folders, glob matches and JSONL lines without reading the articles", async () => {
    const dir = tempDir();
    writeArticleFiles(path.join(dir, "inbox"), 7);
    mkdirSync(path.join(dir, "inbox", "nested"));
    writeArticleFiles(path.join(dir, "inbox", "nested"), 2, 100);
    writeFileSync(path.join(dir, "feed.jsonl"), articlesJsonl(5) + "\n"); // a final empty line is no article
    writeFileSync(path.join(dir, "notes.bin"), "x"); // not an article file
    expect(await countArticles([path.join(dir, "inbox"), path.join(dir, "feed.jsonl")])).toEqual({ count: 14, exact: true });
    expect(await countArticles([path.join(dir, "inbox", "story-0000*.txt")])).toEqual({ count: 7, exact: true });
    expect(await countArticles(["-", path.join(dir, "feed.jsonl")])).toEqual({ count: 5, exact: false });
  });
});

describe("progress", () => {
  function lines(run: (p: ReturnType<typeof createProgress>, tick: (ms: number) => void) => void): string[] {
    let text = "";
    const stream = new Writable({ write(chunk, _e, done) { text += chunk; done(); } });
    let now = 0;
    const progress = createProgress({ mode: "lines", stream, intervalMs: 1000, now: () => now });
    run(progress, (ms) => (now += ms));
    progress.stop();
    return text.trim().split("\n").filter(Boolean);
  }

  it("shows the counted total and an ETA while the input is still being read", () => {
    const out = lines((p, tick) => {
      p.expect(10, true);
      p.read();
      p.read();
      tick(2000);
      p.finished(true);
    });
    expect(out.at(-1)).toMatch(/^newsdesk: 1\/10 articles, 0 failed, 0\.5\/s, ETA 18s$/);
  });

  it("says 'at least' (+) when some inputs could not be counted", () => {
    const out = lines((p, tick) => {
      p.expect(4, false);
      p.read();
      tick(1500);
      p.finished(false);
    });
    expect(out.at(-1)).toMatch(/^newsdesk: 1\/4\+ articles, 1 failed/);
  });
});
