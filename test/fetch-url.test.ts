// URL inputs against a local web server: redirects, charsets, gzip, revalidation, timeouts, size cap, refusals.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { ReadItem, ReadOptions } from "../src/article/index.ts";
import { fetchPage, decodePage, declaredCharset } from "../src/article/fetch.ts";
import { ROOT, tempDir, readAll } from "./support/setup.ts";
import { serve, startWebServer, storyPage, type WebServer } from "./support/web-server.ts";

const FIXTURES = path.join(ROOT, "test/fixtures/feeds");
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name));

let web: WebServer;
beforeAll(async () => {
  web = await startWebServer();
});
afterAll(() => web.close());
beforeEach(() => web.reset());

async function readOne(url: string, options: ReadOptions = {}) {
  const items = await readAll([url], options);
  expect(items).toHaveLength(1);
  return items[0]!;
}

function article(item: ReadItem) {
  if ("error" in item) throw new Error(`expected an article, got: ${item.error.message}`);
  return item.article;
}

function problem(item: ReadItem): string {
  if ("article" in item) throw new Error(`expected an error, got the article ${item.article.id}`);
  expect(item.error.message).not.toContain("\n");
  return item.error.message;
}

describe("URL inputs", () => {
  it("reads a page through the HTML reader; source names the URL, url is the final URL", async () => {
    web.route("/news/ferry", serve(fixture("story-page.html")));
    const a = article(await readOne(`${web.url}/news/ferry`));
    expect(a.title).toBe("Lake ferry returns to service after winter repairs");
    expect(a.paragraphs).toHaveLength(4);
    expect(a.published).toBe("2031-04-12T08:30:00+02:00");
    expect(a.source.path).toBe(`${web.url}/news/ferry`);
    expect(a.url).toBe(`${web.url}/news/ferry`);
    expect(a.lang).toBe("en");
  });

  it("sends a newsdesk User-Agent with its version", async () => {
    web.route("/p", serve(storyPage(1)));
    article(await readOne(`${web.url}/p`));
    const version = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
    expect(web.requests[0]!.headers["user-agent"]).toMatch(new RegExp(`^newsdesk/${version.replace(/\./g, "\\.")} \\(\\+https://`));
    expect(web.requests[0]!.headers.accept).toContain("text/html");
  });

  it("follows redirects (relative and absolute, 301/302/307/308) and keeps the final URL", async () => {
    web.route("/a", (_q, r) => void r.writeHead(301, { location: "/b" }).end());
    web.route("/b", (_q, r) => void r.writeHead(302, { location: `${web.url}/c` }).end());
    web.route("/c", (_q, r) => void r.writeHead(307, { location: "d" }).end());
    web.route("/d", (_q, r) => void r.writeHead(308, { location: "/story?x=1" }).end());
    web.route("/story", serve(storyPage(2)));
    const a = article(await readOne(`${web.url}/a`));
    expect(a.url).toBe(`${web.url}/story?x=1`);
    expect(a.source.path).toBe(`${web.url}/a`);
  });

  it("follows exactly 5 redirects, refuses the 6th, and stops a redirect loop", async () => {
    for (let i = 0; i < 6; i++) web.route(`/r${i}`, (_q, r) => void r.writeHead(302, { location: `/r${i + 1}` }).end());
    web.route("/r6", serve(storyPage(3)));
    web.route("/loop", (_q, r) => void r.writeHead(302, { location: "/loop" }).end());
    expect(article(await readOne(`${web.url}/r1`)).url).toBe(`${web.url}/r6`);
    expect(problem(await readOne(`${web.url}/r0`))).toBe(`${web.url}/r0: too many redirects (more than 5)`);
    web.requests.length = 0;
    expect(problem(await readOne(`${web.url}/loop`))).toContain("too many redirects");
    expect(web.requests).toHaveLength(6);
  });

  it("refuses a redirect to a file: URL", async () => {
    web.route("/evil", (_q, r) => void r.writeHead(302, { location: "file:///etc/passwd" }).end());
    expect(problem(await readOne(`${web.url}/evil`))).toMatch(/redirect to a file: URL, not followed/);
  });

  it("decodes by the charset in the header only (windows-1252, no meta)", async () => {
    const html = readFileSync(path.join(FIXTURES, "german-meta-1252.html"), "latin1").replace(/<meta http-equiv[^>]*>/, "");
    web.route("/de", serve(Buffer.from(html, "latin1"), "text/html; charset=windows-1252"));
    const a = article(await readOne(`${web.url}/de`));
    expect(a.title).toBe("Gemeinderat bewilligt neue Brücke über die Aare");
    expect(a.paragraphs.join(" ")).toContain("Fussgängerbrücke");
    expect(a.lang).toBe("de");
  });

  it("decodes by <meta http-equiv> when the header names no charset (a windows-1252 German page)", async () => {
    web.route("/de-meta", serve(fixture("german-meta-1252.html"), "text/html"));
    const a = article(await readOne(`${web.url}/de-meta`));
    expect(a.title).toBe("Gemeinderat bewilligt neue Brücke über die Aare");
    expect(a.paragraphs[2]).toContain("Quartier Grüntal");
    expect(a.paragraphs.join("")).not.toContain("\uFFFD");
  });

  it("the header's charset wins over the page's meta; <meta charset> is found", () => {
    const body = Buffer.from(`<html><head><meta charset="iso-8859-15"></head><body>\xA4</body></html>`, "latin1");
    expect(declaredCharset(body)).toBe("iso-8859-15");
    expect(decodePage({ body, charset: null, url: "u" })).toContain("€");
    expect(decodePage({ body, charset: "windows-1252", url: "u" })).toContain("¤");
  });

  it("reads a gzip-compressed page", async () => {
    web.route("/gz", (_q, r) => {
      r.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-encoding": "gzip" });
      r.end(gzipSync(storyPage(4)));
    });
    const a = article(await readOne(`${web.url}/gz`));
    expect(a.title).toContain("Story 4");
    expect(web.requests[0]!.headers["accept-encoding"]).toMatch(/gzip/);
  });

  it("revalidates with ETag: the second read gets a 304 and gives the same article", async () => {
    const cacheFile = path.join(tempDir(), "cache.sqlite");
    let served = 0;
    web.route("/etag", (req, res) => {
      if (req.headers["if-none-match"] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        res.end();
        return;
      }
      served++;
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", etag: '"v1"' });
      res.end(storyPage(5));
    });
    const first = article(await readOne(`${web.url}/etag`, { fetchCache: cacheFile }));
    const second = article(await readOne(`${web.url}/etag`, { fetchCache: cacheFile }));
    expect(served).toBe(1);
    expect(web.requests.map((r) => r.status)).toEqual([200, 304]);
    expect(web.requests[1]!.headers["if-none-match"]).toBe('"v1"');
    expect(second).toEqual(first);
    // Without the cache file there is nothing to revalidate with.
    article(await readOne(`${web.url}/etag`));
    expect(web.requests[2]!.headers["if-none-match"]).toBeUndefined();
  });

  it("revalidates with Last-Modified across a redirect, and takes a changed page", async () => {
    const cacheFile = path.join(tempDir(), "cache.sqlite");
    let version = 6;
    const stamp = "Tue, 15 Apr 2031 08:00:00 GMT";
    web.route("/old", (_q, r) => void r.writeHead(301, { location: "/lm" }).end());
    web.route("/lm", (req, res) => {
      if (req.headers["if-modified-since"] === stamp && version === 6) {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/html", "last-modified": stamp });
      res.end(storyPage(version));
    });
    const first = article(await readOne(`${web.url}/old`, { fetchCache: cacheFile }));
    const again = article(await readOne(`${web.url}/old`, { fetchCache: cacheFile }));
    expect(again.id).toBe(first.id);
    expect(again.url).toBe(`${web.url}/lm`);
    version = 7;
    const changed = article(await readOne(`${web.url}/old`, { fetchCache: cacheFile }));
    expect(changed.title).toContain("Story 7");
    expect(web.requests.filter((r) => r.path === "/lm").map((r) => r.status)).toEqual([200, 304, 200]);
  });

  it("times out on a server that answers too slowly, naming the URL", async () => {
    web.route("/slow-body", (_q, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.write("<html><body><p>Start");
      setTimeout(() => res.end("</p></body></html>"), 5_000).unref();
    });
    web.route("/slow-head", (_q, res) => {
      setTimeout(() => res.writeHead(200).end(storyPage(1)), 5_000).unref();
    });
    const started = Date.now();
    expect(problem(await readOne(`${web.url}/slow-body`, { fetchTimeoutMs: 400 }))).toBe(
      `${web.url}/slow-body: timeout: no complete answer within 0.4 s (--fetch-timeout)`,
    );
    expect(problem(await readOne(`${web.url}/slow-head`, { fetchTimeoutMs: 5_000, connectTimeoutMs: 300 }))).toBe(
      `${web.url}/slow-head: timeout: no answer within 0.3 s`,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("says which HTTP error a page gave", async () => {
    web.route("/gone", (_q, r) => void r.writeHead(410, "Gone").end());
    web.route("/boom", (_q, r) => void r.writeHead(500, "Internal Server Error").end("oops"));
    expect(problem(await readOne(`${web.url}/missing`))).toBe(`${web.url}/missing: HTTP 404 Not Found`);
    expect(problem(await readOne(`${web.url}/gone`))).toBe(`${web.url}/gone: HTTP 410 Gone`);
    expect(problem(await readOne(`${web.url}/boom`))).toBe(`${web.url}/boom: HTTP 500 Internal Server Error`);
  });

  it("refuses what is not HTML", async () => {
    web.route("/doc.pdf", serve(Buffer.from("%PDF-1.7\n..."), "application/pdf"));
    web.route("/data.csv", serve("a,b\n1,2\n", "text/csv"));
    web.route("/pic", serve(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), "image/png"));
    expect(problem(await readOne(`${web.url}/doc.pdf`))).toMatch(/doc\.pdf: binary data \(looks like a PDF\)|not HTML/);
    expect(problem(await readOne(`${web.url}/data.csv`))).toBe(`${web.url}/data.csv: not HTML (Content-Type text/csv)`);
    expect(problem(await readOne(`${web.url}/pic`))).toMatch(/binary data|not HTML/);
  });

  it("refuses a 20 MB page quickly, by Content-Length or while streaming", async () => {
    const big = Buffer.alloc(20 * 1024 * 1024, "a");
    web.route("/big", serve(big, "text/html", { "content-length": String(big.length) }));
    let sent = 0;
    web.route("/big-stream", async (_q, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      const chunk = Buffer.alloc(256 * 1024, "<p>x</p>");
      while (sent < big.length && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) await new Promise((r) => res.once("drain", r).once("close", r));
      }
      res.end();
    });
    const started = Date.now();
    expect(problem(await readOne(`${web.url}/big`))).toBe(`${web.url}/big: too large: 20 MB, over the 5 MB limit (--max-bytes)`);
    expect(problem(await readOne(`${web.url}/big-stream`, { maxBytes: 1024 * 1024 }))).toBe(`${web.url}/big-stream: too large: over the 1 MB limit (--max-bytes)`);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sent).toBeLessThan(big.length);
  });

  it("refuses file:, ftp: and other schemes in one line, without a request", async () => {
    const items = await readAll(["file:///etc/passwd", "ftp://ftp.example.org/story.txt", "javascript:alert(1)"]);
    expect(items.map(problem)).toEqual([
      "file:///etc/passwd: file: URLs are not read (only http and https)",
      "ftp://ftp.example.org/story.txt: ftp: URLs are not read (only http and https)",
      "javascript:alert(1): javascript: URLs are not read (only http and https)",
    ]);
    expect(web.requests).toHaveLength(0);
  });

  it("names DNS failures and refused connections", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    expect(problem(await readOne(`http://127.0.0.1:${port}/x`))).toBe(`http://127.0.0.1:${port}/x: connection refused`);
    expect(problem(await readOne("http://newsdesk-test.invalid/story"))).toMatch(/^http:\/\/newsdesk-test\.invalid\/story: (?:host not found \(DNS\)|timeout)/);
  });

  it("skips a failed URL in a batch and reads the rest", async () => {
    web.route("/one", serve(storyPage(1)));
    web.route("/three", serve(storyPage(3)));
    const items = await readAll([`${web.url}/one`, `${web.url}/two`, `${web.url}/three`]);
    expect(items.map((i) => ("article" in i ? i.article.url : i.error.message))).toEqual([
      `${web.url}/one`,
      `${web.url}/two: HTTP 404 Not Found`,
      `${web.url}/three`,
    ]);
  });

  it("fetchPage gives the final URL, the redirect count and the media type", async () => {
    web.route("/x", (_q, r) => void r.writeHead(301, { location: "/y" }).end());
    web.route("/y", serve("<p>hi</p>", "text/html; charset=UTF-8"));
    const page = await fetchPage(`${web.url}/x`, { maxBytes: 1000 });
    expect(page).toMatchObject({ url: `${web.url}/y`, redirects: 1, mediaType: "text/html", charset: "utf-8", status: 200 });
  });
});
