// The per-article .md files and stdout Markdown go through the one escaper: a hostile article and
// a hostile model answer (served by the local test server; the model is never mocked) leave no
// raw HTML tag, no link or image, no script URL and no line-start structure in the written files,
// while ordinary text (quotes, umlauts, «», 1'000, C++) stays as it was.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { useOpenAIServer } from "./support/use-server.ts";
import { describeRequest, digestReply, fakeModel, headlinesReply, tasksAsked, translationReply } from "./support/fake-model.ts";
import { runCli } from "./support/cli.ts";
import { SECRET_KEY, tempDir } from "./support/setup.ts";
import { articleMarkdown, translationMarkdown } from "../src/render/markdown.ts";
import type { ArticleResult } from "../src/core/types.ts";

const server = useOpenAIServer();

function env() {
  return { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: SECRET_KEY, XDG_CACHE_HOME: tempDir() };
}

const ORDINARY_DE = `Müller sagte: „Wir zahlen 1'000 Franken“, und «Bücher über C++» seien teuer.`;
const ORDINARY_EN = `Mr Müller said: "We pay 1'000 francs", and «books on C++» were expensive.`;

/** Hostile text at the start of a line and inside it. */
const HOSTILE = [
  "# Injected heading <script>alert(1)</script>",
  "> quoted [click](javascript:alert(2))",
  "- listed <img src=x onerror=alert(3)>",
  "1. numbered ![pixel](javascript:alert(4))",
  "=== <a href=\"javascript:alert(5)\">x</a>",
  "| a | b | <iframe src=javascript:alert(6)>",
  "[ref]: javascript:alert(7)",
  "<javascript:alert(8)> JAVASCRIPT:alert(9) data:text/html,<b>x</b>",
];

/** The story as a JSONL line: its own title, credit and paragraphs are hostile too (the English version is the original). */
function hostileArticle(): string {
  return JSON.stringify({
    title: "Zurich opens <img src=x onerror=alert(0)> bridge [x](javascript:alert(0))",
    published: "2024-05-16",
    credit: "<script>alert(0)</script>Keystone/SDA",
    paragraphs: [
      "The new bridge in Zurich was opened by the city council on Monday morning after a long debate in parliament.",
      ...HOSTILE.map((h) => `${h} The council said the work on the bridge had cost more than planned.`),
      ORDINARY_EN,
    ],
  });
}

/** A model that writes every hostile thing it can into every field of every task. */
function hostileModel(body: Parameters<typeof fakeModel>[0]) {
  const info = describeRequest(body);
  if (info.task === "translate") {
    const fake = (fakeModel(body) as ReturnType<typeof translationReply>).json.translation as { title: string; paragraphs: string[] };
    return translationReply({
      title: `<script>alert(1)</script> ${fake.title}`,
      paragraphs: fake.paragraphs.map((p, i) => (i === fake.paragraphs.length - 1 ? ORDINARY_DE : `${HOSTILE[i % HOSTILE.length]} ${p}`)),
    });
  }
  if (info.task === "digest") {
    const reply = fakeModel(body) as ReturnType<typeof digestReply>;
    for (const lang of info.languages) {
      const d = reply.json.digest[lang];
      d.summary = `${HOSTILE[0]} ${d.summary} ${lang === "de" ? ORDINARY_DE : ORDINARY_EN}`;
      d.keyPoints = [HOSTILE[2], HOSTILE[1], HOSTILE[3], ...d.keyPoints.slice(0, 2)].map((h, i) => (i < 3 ? `${h} ${d.keyPoints[0]}` : h));
      d.snippet = { headline: `${HOSTILE[4]} ${d.snippet.headline}`, teaser: `${HOSTILE[7]} ${d.snippet.teaser}` };
    }
    return reply;
  }
  if (info.task === "headlines") {
    return headlinesReply(
      Object.fromEntries(
        info.languages.map((lang) => [lang, [`<script>alert(1)</script> ${lang === "de" ? "Neue Brücke in Zürich" : "New bridge in Zurich"}`, HOSTILE[1]!, HOSTILE[6]!].map((text) => ({ text })),
        ]),
      ),
    );
  }
  return fakeModel(body);
}

/** What no written Markdown may contain, and which line starts only the renderer may write. */
function expectSafe(markdown: string, where: string) {
  expect(markdown, where).not.toMatch(/<script/i);
  expect(markdown, where).not.toMatch(/<img/i);
  expect(markdown, where).not.toMatch(/javascript:/i);
  // No tag at all: the only "<" in a file is the stdout part marker "<!-- id lang -->".
  expect(markdown.replace(/^<!-- [a-z0-9-]+ [a-zA-Z-]+ -->$/gm, ""), where).not.toMatch(/</);
  // No link or image syntax: every "[" is escaped.
  expect(markdown, where).not.toMatch(/(^|[^\\])\[/m);
  for (const line of markdown.split("\n")) {
    if (/^<!-- /.test(line) || line === "---" || line === "") continue;
    // Headings are the renderer's: the title and its own section names.
    if (/^#/.test(line)) {
      expect(line, where).toMatch(/^# [^#>\-=]|^## (Zusammenfassung|Kernpunkte|Newsletter|Schlagzeilen|Summary|Key points|Newsletter snippet|Headline options)$/);
      continue;
    }
    expect(line, where).not.toMatch(/^(>|=|\||\+ |\* |\[)/);
    // List items are the renderer's (key points), and their text cannot open a list, quote or heading of its own.
    if (/^- /.test(line)) expect(line, where).not.toMatch(/^- ([-+*>#|=]|\d+[.)])/);
    // Numbered lines are the headline options, each with its count.
    if (/^\d+[.)]/.test(line)) expect(line, where).toMatch(/^[1-3]\. (?![-+*>#|=]|\d+[.)]).* \(\d+ (Zeichen|characters)\)$/);
  }
}

describe("Markdown of hostile text", () => {
  it("writes .md files with no tag, no link, no script URL and no structure from the article or the model", async () => {
    server.setHandler(hostileModel);
    const dir = tempDir();
    const out = path.join(tempDir(), "out");
    writeFileSync(path.join(dir, "story.jsonl"), hostileArticle() + "\n");
    const cache = path.join(tempDir(), "cache.sqlite");
    const run = await runCli(["run", dir, "--out", out, "--cache", cache], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const headlines = await runCli(["headlines", dir, "--out", out, "--cache", cache], { env: env() });
    expect(headlines.code, headlines.stderr).toBe(0);
    expect(tasksAsked(server.requests).sort()).toEqual(["digest de,en", "headlines de,en", "translate de"]);

    const files = readdirSync(out).filter((f) => f.endsWith(".md"));
    expect(files).toHaveLength(2);
    const unsafe = files.filter((f) => /<script|<img|javascript:/i.test(readFileSync(path.join(out, f), "utf8")));
    expect(unsafe).toEqual([]);
    for (const file of files) {
      const markdown = readFileSync(path.join(out, file), "utf8");
      expectSafe(markdown, file);
      // Every section made it, the hostile text shown as text.
      expect(markdown).toMatch(/## (Schlagzeilen|Headline options)\n\n1\. &lt;script\\> ?alert\(1\)&lt;\/script\\>/);
      expect(markdown).toContain("\\# Injected heading &lt;script\\>alert(1)&lt;/script\\>");
      expect(markdown).toContain("\\> quoted \\[click\\](javascript&#58;alert(2))");
    }
    const de = readFileSync(path.join(out, files.find((f) => f.endsWith(".de.md"))!), "utf8");
    const en = readFileSync(path.join(out, files.find((f) => f.endsWith(".en.md"))!), "utf8");
    // Ordinary text stays readable as it was written.
    expect(de).toContain(ORDINARY_DE);
    expect(en).toContain(ORDINARY_EN);
    // The article's own title and credit (the English version is the original) are escaped the same way.
    expect(en.split("\n")[0]).toBe("# Zurich opens &lt;img src=x onerror=alert(0)\\> bridge \\[x\\](javascript&#58;alert(0))");
    expect(en).toContain("*16 May 2024 · &lt;script\\>alert(0)&lt;/script\\>Keystone/SDA*");
  });

  it("prints stdout Markdown (run, translate, headlines) under the same rules", async () => {
    server.setHandler(hostileModel);
    const dir = tempDir();
    writeFileSync(path.join(dir, "story.jsonl"), hostileArticle() + "\n");
    const cache = path.join(tempDir(), "cache.sqlite");
    for (const args of [["run", dir], ["translate", path.join(dir, "story.jsonl"), "--to", "de"], ["headlines", dir]]) {
      const result = await runCli([...args, "--cache", cache], { env: env() });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.length).toBeGreaterThan(200);
      expectSafe(result.stdout, args[0]!);
    }
  });

  it("escapes every field the renderer writes, whatever the result holds", () => {
    const evil = "<script>x</script> [a](javascript:y) ![b](vbscript:z)";
    const result: ArticleResult = {
      id: "a",
      source: { path: "a", lang: "en", title: evil, published: "2024-05-16", credit: `# ${evil}`, url: null },
      languages: {
        de: {
          title: `# ${evil}`,
          paragraphs: [`> ${evil}`, "", `- ${evil}`, `1) ${evil}`],
          summary: `+ ${evil}`,
          keyPoints: [`* ${evil}`, `- ${evil}`, `2. ${evil}`],
          snippet: { headline: `**${evil}`, teaser: `=== ${evil}` },
          headlines: [{ text: `- ${evil}`, chars: 3 }, { text: evil, chars: 4 }, { text: `10. ${evil}`, chars: 5 }],
        },
      },
      usage: { calls: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, cacheHits: 0 },
      warnings: [],
    };
    for (const markdown of [articleMarkdown(result, "de"), translationMarkdown(result, "de")]) {
      expectSafe(markdown, "renderer");
      expect(markdown).not.toMatch(/vbscript:/i);
    }
    expect(articleMarkdown(result, "de")).toContain("\n- \\* &lt;script\\>x&lt;/script\\>");
    expect(articleMarkdown(result, "de")).toContain("\n3. 10\\. &lt;script\\>x");
    expect(articleMarkdown(result, "de")).toContain("\n\\+ &lt;script\\>x");
  });
});
