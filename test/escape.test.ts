import { describe, expect, it } from "vitest";
import {
  cleanText,
  escapeHtml,
  escapeMarkdown,
  escapeMarkdownLineStart,
  markdownUrl,
  safeHttpUrl,
} from "../src/render/escape.ts";

describe("escapeHtml", () => {
  it("escapes the five special characters", () => {
    expect(escapeHtml(`<script>alert(1)</script> & "Co" 'x'`)).toBe(
      "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; &#39;x&#39;",
    );
  });
  it("escapes an existing entity again (text stays text)", () => {
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
  });
});

describe("cleanText", () => {
  it("collapses newlines and tabs and drops control characters", () => {
    expect(cleanText("  a\n\n# b\tc\u0000d\u2028e  ")).toBe("a # b cd e");
  });
});

describe("escapeMarkdown", () => {
  it("escapes inline markup", () => {
    expect(escapeMarkdown("*bold* _it_ `code` [x](javascript:alert(1)) <b> a|b ~~s~~ #tag \\")).toBe(
      "\\*bold\\* \\_it\\_ \\`code\\` \\[x\\](javascript&#58;alert(1)) &lt;b\\> a\\|b \\~\\~s\\~\\~ \\#tag \\\\",
    );
  });
  it("keeps a newline from starting a heading", () => {
    const out = escapeMarkdown("point\n# Injected");
    expect(out).not.toContain("\n");
    expect(out).toBe("point \\# Injected");
  });
  it("escapes line-start list and quote markers", () => {
    expect(escapeMarkdown("- item")).toBe("\\- item");
    expect(escapeMarkdown("+ item")).toBe("\\+ item");
    expect(escapeMarkdown("1. item")).toBe("1\\. item");
    expect(escapeMarkdown("2) item")).toBe("2\\) item");
    expect(escapeMarkdown("> quote")).toBe("\\> quote");
    expect(escapeMarkdown("1. item", { lineStart: false })).toBe("1. item");
    expect(escapeMarkdownLineStart("16. Mai")).toBe("16\\. Mai");
  });
  it("escapes entity references but leaves a bare ampersand", () => {
    expect(escapeMarkdown("&lt;b&gt; AT&T")).toBe("\\&lt;b\\&gt; AT&T");
  });
});

describe("safeHttpUrl", () => {
  it.each([
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\u0001javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "/relative/path",
    "//evil.example/x",
    "example.com",
    "ftp://example.com/file",
    "https://user:pw@example.com/",
    " https://example.com/",
    "https://example.com/\u00a0x",
    "",
    null,
  ])("drops %j", (raw) => {
    expect(safeHttpUrl(raw)).toBeNull();
  });
  it("keeps http and https links, normalised", () => {
    expect(safeHttpUrl("https://example.com/a")).toBe("https://example.com/a");
    expect(safeHttpUrl("HTTP://Example.COM")).toBe("http://example.com/");
    expect(safeHttpUrl("https://example.com/a b")).toBe("https://example.com/a%20b");
  });
  it("quotes are escaped when the href lands in an attribute", () => {
    const href = safeHttpUrl(`https://example.com/?q="><script>`)!;
    expect(escapeHtml(href)).not.toMatch(/["<>]/);
  });
});

describe("markdownUrl", () => {
  it("percent-encodes characters that could close the link destination", () => {
    expect(markdownUrl("https://example.com/a(b)\\c`d")).toBe("https://example.com/a%28b%29%5Cc%60d");
  });
});
