// URLs and feeds end to end: the real CLI, the local OpenAI-compatible server, a local web server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import path from "node:path";
import { writeFileSync } from "node:fs";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { useOpenAIServer } from "./support/use-server.ts";
import { describeRequest } from "./support/fake-model.ts";
import { runCli } from "./support/cli.ts";
import { SECRET_KEY, tempDir } from "./support/setup.ts";
import { startWebServer, storyPage, type WebServer } from "./support/web-server.ts";

const server = useOpenAIServer();
let web: WebServer;
beforeAll(async () => {
  web = await startWebServer();
});
afterAll(() => web.close());
beforeEach(() => web.reset());

function env() {
  return { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: SECRET_KEY };
}

const HOUR = 3_600_000;

/** A feed of linked items whose pages answer with an ETag and revalidate with 304. */
function routeFeed(count: number) {
  const now = Date.now();
  const items = Array.from({ length: count }, (_, i) => i + 1)
    .map(
      (n) => `<item><title>Story ${n}</title><link>${web.url}/story/${n}</link><guid>${web.url}/story/${n}</guid>` +
        `<pubDate>${new Date(now - n * HOUR).toUTCString()}</pubDate><description>Teaser ${n}</description></item>`,
    )
    .join("\n");
  const feed = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Example</title><link>${web.url}/</link><description>d</description>${items}</channel></rss>`;
  const etagged = (path: string, body: string, type: string) =>
    web.route(path, (req, res) => {
      if (req.headers["if-none-match"] === '"1"') return void res.writeHead(304, { etag: '"1"' }).end();
      res.writeHead(200, { "content-type": type, etag: '"1"' }).end(body);
    });
  etagged("/rss.xml", feed, "application/rss+xml; charset=utf-8");
  for (let n = 1; n <= count; n++) etagged(`/story/${n}`, storyPage(n, { date: new Date(now - n * HOUR).toISOString() }), "text/html; charset=utf-8");
}

describe("newsdesk with URLs and feeds", () => {
  it("summarize <feed URL> --limit 3 --lang de --jsonl: 3 results with source.url; a second run makes 0 model calls", async () => {
    routeFeed(8);
    const cache = path.join(tempDir(), "cache.sqlite");
    const args = ["summarize", `${web.url}/rss.xml`, "--limit", "3", "--lang", "de", "--jsonl", "--cache", cache];
    const first = await runCli(args, { env: env() });
    expect(first.stderr).not.toContain(SECRET_KEY);
    expect(first.code).toBe(0);
    const results = first.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(results).toHaveLength(3);
    expect(results.map((r) => r.source.url).sort()).toEqual([1, 2, 3].map((n) => `${web.url}/story/${n}`));
    for (const r of results) expect(r.languages.de.summary).toBeTruthy();
    expect(server.requests.map((r) => describeRequest(r).task)).toEqual(["digest", "digest", "digest"]);
    expect(web.requests.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(web.requests[0]!.headers["user-agent"]).toMatch(/^newsdesk\//);

    server.requests.length = 0;
    web.requests.length = 0;
    const second = await runCli(args, { env: env() });
    expect(second.code).toBe(0);
    expect(server.requests).toHaveLength(0);
    expect(second.stdout.trim().split("\n").map((l) => JSON.parse(l).id).sort()).toEqual(results.map((r) => r.id).sort());
    // The feed and the pages were asked for conditionally and answered 304.
    expect(web.requests.map((r) => r.status)).toEqual([304, 304, 304, 304]);
  });

  it("a page URL alone that fails exits 2 with one line naming it; in a batch it is skipped (exit 1)", async () => {
    web.route("/ok", (_q, r) => void r.writeHead(200, { "content-type": "text/html" }).end(storyPage(1)));
    const alone = await runCli(["summarize", `${web.url}/missing`, "--lang", "de", "--no-cache", "-q"], { env: env() });
    expect(alone.code).toBe(2);
    expect(alone.stderr.trim().split("\n")).toEqual([`newsdesk: ${web.url}/missing: HTTP 404 Not Found`]);
    const refused = await runCli(["summarize", "ftp://ftp.example.org/story.txt", "--no-cache", "-q"], { env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("ftp://ftp.example.org/story.txt: ftp: URLs are not read (only http and https)");

    const batch = await runCli(["summarize", `${web.url}/ok`, `${web.url}/missing`, "--lang", "de", "--no-cache", "--jsonl"], { env: env() });
    expect(batch.code).toBe(1);
    expect(batch.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(batch.stdout).source.url).toBe(`${web.url}/ok`);
    expect(batch.stderr).toContain(`skipped ${web.url}/missing: HTTP 404 Not Found`);
    expect(server.requests).toHaveLength(1);
  });

  it("newsletter from a URL list file as RSS: valid, one item per article with its link", async () => {
    routeFeed(2);
    const list = path.join(tempDir(), "feeds.txt");
    writeFileSync(list, `# morning sources\n${web.url}/rss.xml\n`);
    const result = await runCli(["newsletter", list, "--lang", "de", "--format", "rss", "--title", "Morgen <script>", "--no-cache"], { env: env() });
    expect(result.code).toBe(0);
    expect(XMLValidator.validate(result.stdout)).toBe(true);
    const channel = new XMLParser({ isArray: (n) => n === "item" }).parse(result.stdout).rss.channel;
    expect(channel.title).toBe("Morgen <script>");
    expect(result.stdout).toContain("<title>Morgen &lt;script&gt;</title>");
    expect(channel.link).toBe(`${web.url}/`);
    expect(channel.item.map((i: { link: string }) => i.link)).toEqual([`${web.url}/story/1`, `${web.url}/story/2`]);
    for (const item of channel.item) expect(item.pubDate).toMatch(/GMT$/);

    const json = await runCli(["newsletter", list, "--lang", "de", "--format", "jsonfeed", "--no-cache"], { env: env() });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).items).toHaveLength(2);
  });

  it("refuses a bad --since, and --template with a feed format, before any call", async () => {
    const since = await runCli(["summarize", `${web.url}/rss.xml`, "--since", "yesterday", "--no-cache"], { env: env() });
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since.*neither a duration/);
    const template = await runCli(["newsletter", "samples/putin-beijing.txt", "--format", "rss", "--template", "x.md", "--no-cache"], { env: env() });
    expect(template.code).toBe(2);
    expect(template.stderr).toContain("--template works with --format md or html, not rss");
    expect(server.requests).toHaveLength(0);
    expect(web.requests).toHaveLength(0);
  });
});
