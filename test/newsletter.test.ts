import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseHTML } from "linkedom";
import { afterAll, describe, expect, it } from "vitest";
import { defaultLayoutPath, loadLayout, renderNewsletter, type NewsletterItem } from "../src/render/newsletter/index.ts";
import { TemplateError } from "../src/core/template.ts";

const HOSTILE = `<script>alert(1)</script> & "Co"`;
const HOSTILE_TEASER = `<img src=x onerror=alert(1)><style>body{}</style><link rel=stylesheet href=x> 'quoted'`;

function item(over: Partial<NewsletterItem> & { id: string }): NewsletterItem {
  return {
    headline: `Headline ${over.id}`,
    teaser: `Teaser ${over.id}`,
    keyPoints: ["First point", "Second point", "Third point", "Fourth point"],
    credit: "Keystone/SDA",
    published: "2024-05-16",
    url: `https://example.com/${over.id}`,
    ...over,
  };
}

function dom(html: string) {
  return parseHTML(`<!doctype html><html><body>${html}</body></html>`).document;
}

const tmp = mkdtempSync(path.join(tmpdir(), "newsletter-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
function writeLayout(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

describe("HTML: untrusted text and links", () => {
  const badUrls = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "/relative",
  ];

  it("shows a hostile headline and teaser as text", () => {
    const html = renderNewsletter([item({ id: "a", headline: HOSTILE, teaser: HOSTILE_TEASER, url: null })], {
      format: "html",
      lang: "de",
    });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/<link/i);
    const doc = dom(html);
    expect(doc.querySelector("h3")!.textContent).toBe(HOSTILE);
    expect(doc.querySelector("h3 a")).toBeNull();
    expect(doc.querySelector("div p")!.textContent).toBe(HOSTILE_TEASER);
    expect(doc.querySelectorAll("script, img, style, link").length).toBe(0);
  });

  it.each(badUrls)("drops the link %j but keeps the headline", (url) => {
    const html = renderNewsletter([item({ id: "a", headline: HOSTILE, url })], { format: "html", lang: "en" });
    const doc = dom(html);
    expect(doc.querySelectorAll("a").length).toBe(0);
    expect(html).not.toMatch(/href/i);
    expect(html.toLowerCase()).not.toContain("javascript:");
    expect(doc.querySelector("h3")!.textContent).toBe(HOSTILE);
  });

  it("links a good https URL, with the attribute escaped", () => {
    const url = `https://example.com/story?a=1&b="x"`;
    const html = renderNewsletter([item({ id: "a", headline: HOSTILE, url })], { format: "html", lang: "en" });
    const links = dom(html).querySelectorAll("a");
    expect(links.length).toBe(1);
    expect(links[0]!.getAttribute("href")).toBe("https://example.com/story?a=1&b=%22x%22");
    expect(links[0]!.textContent).toBe(HOSTILE);
    expect(html).toContain('href="https://example.com/story?a=1&amp;b=%22x%22"');
  });

  it("is email-safe markup: lang on the section, inline styles only", () => {
    const html = renderNewsletter(
      [item({ id: "a" }), item({ id: "b", headline: HOSTILE, teaser: HOSTILE_TEASER, keyPoints: [HOSTILE] })],
      { format: "html", lang: "de" },
    );
    const doc = dom(html);
    const section = doc.querySelector("section")!;
    expect(section.getAttribute("lang")).toBe("de");
    expect(html.startsWith('<section lang="de"')).toBe(true);
    expect(html).not.toMatch(/<(script|style|link|img|iframe|object|table|font)\b/i);
    expect(html).not.toMatch(/\bclass=/i);
    const allowed = new Set(["lang", "style", "href"]);
    for (const el of doc.querySelectorAll("section, section *")) {
      for (const attr of Array.from(el.attributes) as Attr[]) expect(allowed.has(attr.name)).toBe(true);
      expect(["section", "div", "h2", "h3", "p", "ul", "li", "a"]).toContain(el.tagName.toLowerCase());
    }
    expect(doc.querySelectorAll("[style]").length).toBeGreaterThan(5);
    expect(doc.querySelectorAll("h3").length).toBe(2);
  });

  it("sets lang from the option and escapes a custom title", () => {
    const html = renderNewsletter([item({ id: "a" })], { format: "html", lang: "de-ch", title: "<b>Heute</b>" });
    const doc = dom(html);
    expect(doc.querySelector("section")!.getAttribute("lang")).toBe("de-CH");
    expect(doc.querySelector("h2")!.textContent).toBe("<b>Heute</b>");
    expect(doc.querySelector("h2 b")).toBeNull();
  });

  it("uses a title per language by default", () => {
    expect(dom(renderNewsletter([], { format: "html", lang: "de" })).querySelector("h2")!.textContent).toBe(
      "Nachrichten",
    );
    expect(dom(renderNewsletter([], { format: "html", lang: "en" })).querySelector("h2")!.textContent).toBe("News");
  });

  it("refuses an invalid language tag", () => {
    expect(() => renderNewsletter([], { format: "html", lang: `de"><script>` })).toThrow(/invalid language tag/);
  });
});

describe("Markdown", () => {
  it("a key point with a newline cannot inject a heading", () => {
    const md = renderNewsletter([item({ id: "a", keyPoints: ["Harmless\n# Injected", "also\n\n## two"] })], {
      format: "md",
      lang: "en",
    });
    const lines = md.split("\n");
    expect(lines.some((line) => /^#{1,6}\s*Injected/.test(line))).toBe(false);
    expect(lines.filter((line) => /^#{1,6}\s/.test(line))).toEqual(["## News", "### [Headline a](https://example.com/a)"]);
    expect(lines).toContain("- Harmless \\# Injected");
  });

  it("escapes emphasis and links in the teaser", () => {
    const md = renderNewsletter([item({ id: "a", teaser: "Very *bold* claim, see [x](javascript:alert(1))" })], {
      format: "md",
      lang: "en",
    });
    expect(md).toContain("Very \\*bold\\* claim, see \\[x\\](javascript&#58;alert(1))");
    expect(md).not.toMatch(/(^|[^\\])\*bold/);
    expect(md).not.toMatch(/(^|[^\\])\[x\\?\]\(javascript/);
  });

  it("has one heading per item, linked only for safe URLs", () => {
    const items = [
      item({ id: "a", published: "2024-05-16" }),
      item({ id: "b", published: "2024-05-15", url: "javascript:alert(1)", headline: "*Plain* [b]" }),
      item({ id: "c", published: "2024-05-14", url: "https://example.com/a b(c)<d>" }),
    ];
    const md = renderNewsletter(items, { format: "md", lang: "en" });
    const headings = md.split("\n").filter((line) => line.startsWith("### "));
    expect(headings).toEqual([
      "### [Headline a](https://example.com/a)",
      "### \\*Plain\\* \\[b\\]",
      "### [Headline c](https://example.com/a%20b%28c%29%3Cd%3E)",
    ]);
    expect(md).not.toContain("javascript");
  });

  it("puts the meta line in italics and bullets per point", () => {
    const md = renderNewsletter([item({ id: "a" })], { format: "md", lang: "de" });
    expect(md).toContain("\n*Keystone/SDA · 16. Mai 2024*\n");
    expect(md).toContain("\n- First point\n- Second point\n- Third point\n");
    expect(md).toContain("\nTeaser a\n");
    expect(md.endsWith("\n")).toBe(true);
    expect(md).not.toContain("\n\n\n");
  });
});

describe("ordering", () => {
  const items = [
    item({ id: "undated1", published: null }),
    item({ id: "old", published: "2024-05-01" }),
    item({ id: "raw", published: "gestern" }),
    item({ id: "new", published: "2024-05-16T08:00:00+02:00" }),
    item({ id: "mid", published: "2024-05-10" }),
    item({ id: "same-day", published: "2024-05-10" }),
    item({ id: "undated2", published: "" }),
  ];
  const headings = (md: string) =>
    md
      .split("\n")
      .filter((line) => line.startsWith("### "))
      .map((line) => /Headline ([\w-]+)/.exec(line)![1]);

  it("newest first, ties stable, undated last in input order", () => {
    const md = renderNewsletter(items, { format: "md", lang: "en" });
    expect(headings(md)).toEqual(["new", "mid", "same-day", "old", "undated1", "raw", "undated2"]);
  });

  it("compares date-times by instant across offsets", () => {
    const md = renderNewsletter(
      [
        item({ id: "early", published: "2024-05-16T09:00:00+02:00" }), // 07:00Z
        item({ id: "late", published: "2024-05-16T08:00:00Z" }),
      ],
      { format: "md", lang: "en" },
    );
    expect(headings(md)).toEqual(["late", "early"]);
  });

  it('order: "input" keeps input order', () => {
    const md = renderNewsletter(items, { format: "md", lang: "en", order: "input" });
    expect(headings(md)).toEqual(items.map((i) => i.id));
  });
});

describe("points", () => {
  it("defaults to 3 and points: 2 limits bullets", () => {
    const count = (md: string) => md.split("\n").filter((line) => line.startsWith("- ")).length;
    expect(count(renderNewsletter([item({ id: "a" })], { format: "md", lang: "en" }))).toBe(3);
    expect(count(renderNewsletter([item({ id: "a" })], { format: "md", lang: "en", points: 2 }))).toBe(2);
    const html = renderNewsletter([item({ id: "a" })], { format: "html", lang: "en", points: 2 });
    expect(dom(html).querySelectorAll("li").length).toBe(2);
  });

  it("points: 0 leaves out the list entirely", () => {
    const html = renderNewsletter([item({ id: "a" })], { format: "html", lang: "en", points: 0 });
    expect(dom(html).querySelectorAll("ul, li").length).toBe(0);
  });

  it("rejects a negative count", () => {
    expect(() => renderNewsletter([], { format: "md", lang: "en", points: -1 })).toThrow(RangeError);
  });
});

describe("dates", () => {
  it("German: 16. Mai 2024", () => {
    const html = renderNewsletter([item({ id: "a" })], { format: "html", lang: "de" });
    expect(html).toContain("Keystone/SDA · 16. Mai 2024");
  });
  it("English: 16 May 2024", () => {
    const html = renderNewsletter([item({ id: "a", published: "2024-05-16T23:30:00+02:00" })], {
      format: "html",
      lang: "en",
    });
    expect(html).toContain("Keystone/SDA · 16 May 2024");
  });
  it("raw text dates are shown as written, escaped", () => {
    const html = renderNewsletter([item({ id: "a", published: "<b>gestern</b>", credit: null })], {
      format: "html",
      lang: "de",
    });
    const meta = dom(html).querySelectorAll("div p");
    expect(meta[meta.length - 1]!.textContent).toBe("<b>gestern</b>");
    expect(html).not.toContain("<b>");
  });
});

describe("layouts", () => {
  it("the shipped layouts load", () => {
    for (const format of ["md", "html"] as const) {
      const layout = loadLayout(format);
      expect(layout.file).toBe(defaultLayoutPath(format));
      expect(Object.keys(layout.blocks)).toEqual(
        expect.arrayContaining(["section", "item", "point", "link"]),
      );
    }
    expect(Object.values(loadLayout("html").blocks).join("\n")).not.toMatch(/<style|<script|<link|<img|class=/i);
    expect(readFileSync(defaultLayoutPath("html"), "utf8")).toContain("{{headline_text}}"); // documented
  });

  it("uses a custom template", () => {
    const file = writeLayout(
      "custom.md",
      [
        "<!-- block: section -->",
        "# {{title}} ({{count}})",
        "{{items}}",
        "<!-- block: item -->",
        "ITEM {{id}}: {{headline}} / {{meta}} / {{points}}",
        "<!-- block: point -->",
        "* {{text}}",
        "<!-- block: link -->",
        "<{{url}}|{{text}}>",
        "",
      ].join("\n"),
    );
    const md = renderNewsletter([item({ id: "a", keyPoints: ["p1"] })], {
      format: "md",
      lang: "de",
      template: file,
      title: "Heute",
    });
    expect(md).toBe("# Heute (1)\nITEM a: <https://example.com/a|Headline a> / Keystone/SDA · 16. Mai 2024 / * p1\n");
  });

  it("a template with {{unknown}} fails naming the file and the variable", () => {
    const file = writeLayout(
      "unknown.html",
      "<!-- block: section -->\n{{items}}\n<!-- block: item -->\n{{headline}} {{unknown}}\n" +
        "<!-- block: point -->\n{{text}}\n<!-- block: link -->\n{{url}}\n",
    );
    const run = () => renderNewsletter([item({ id: "a" })], { format: "html", lang: "en", template: file });
    expect(run).toThrow(TemplateError);
    expect(run).toThrow(file);
    expect(run).toThrow("unknown variable {{unknown}}");
    // Checked on load, even with nothing to render.
    expect(() => loadLayout("html", file)).toThrow(/unknown\.html \(block "item"\): unknown variable \{\{unknown\}\}/);
  });

  it("a template missing the item block fails clearly", () => {
    const file = writeLayout(
      "noitem.md",
      "<!-- block: section -->\n{{items}}\n<!-- block: point -->\n{{text}}\n<!-- block: link -->\n{{url}}\n",
    );
    let message = "";
    try {
      loadLayout("md", file);
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateError);
      message = (error as Error).message;
    }
    expect(message).toContain(file);
    expect(message).toContain('missing block "item"');
    expect(message).not.toContain("\n");
  });

  it("a misspelt block name and a missing file fail clearly", () => {
    const file = writeLayout(
      "typo.md",
      "<!-- block: section -->\n{{items}}\n<!-- block: iten -->\nx\n<!-- block: item -->\n{{headline}}\n" +
        "<!-- block: point -->\n{{text}}\n<!-- block: link -->\n{{url}}\n",
    );
    expect(() => loadLayout("md", file)).toThrow(/typo\.md: unknown block "iten"/);
    expect(() => loadLayout("md", path.join(tmp, "nope.md"))).toThrow(/nope\.md: cannot read newsletter layout/);
  });

  it("values are never read as template syntax", () => {
    const md = renderNewsletter([item({ id: "a", headline: "{{title}} {{items}}", url: null })], {
      format: "md",
      lang: "en",
    });
    expect(md).toContain("### {{title}} {{items}}");
  });
});
