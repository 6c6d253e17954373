// A stand-in "model" for the test server: it reads the task and the article out of the request
// the way a model would, and answers in the asked shape. Translations come from fixtures where a
// test registered one; otherwise it writes plain filler text in the target language that keeps
// the source's names (through the prompt's glossary) and numbers, so the checks pass.
import { readFileSync } from "node:fs";
import type { ChatRequestBody, Handler, Reply } from "./openai-server.ts";

/** The desk's name forms (the checks' data): a good model writes "Russland" in German. */
const NAME_FORMS = (JSON.parse(readFileSync(new URL("../../src/checks/names.json", import.meta.url), "utf8")) as {
  names: Record<string, string[]>[];
}).names;

function nameFormsFor(lang: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of NAME_FORMS) {
    const desk = entry[lang]?.[0];
    if (!desk) continue;
    for (const [key, forms] of Object.entries(entry)) {
      if (key === lang || key === "all" || key === "except" || key === "common") continue;
      for (const form of forms) if (!map.has(form)) map.set(form, desk);
    }
  }
  return map;
}

export interface RequestInfo {
  task: "translate" | "digest" | "headlines" | "unknown";
  /** translate: the target, e.g. "de-CH"; digest and headlines: the language keys. */
  target: string | null;
  languages: string[];
  /** digest: the channels asked for ("digest de,en +push,seo" -> ["push", "seo"]); [] without. */
  channels: string[];
  title: string;
  paragraphs: string[];
  glossary: Map<string, string>;
  /** The whole prompt text, for assertions. */
  text: string;
}

const fixtures = new Map<string, { title: string; paragraphs: string[] }>();

/** Registers a known translation: a translate request whose source title matches gets it. */
export function registerTranslation(sourceTitle: string, target: string, translation: { title: string; paragraphs: string[] }) {
  fixtures.set(`${target.split("-")[0]}\n${sourceTitle}`, translation);
}

export function describeRequest(body: ChatRequestBody): RequestInfo {
  const text = body.messages.map((m) => m.content).join("\n");
  // newsdesk says what a call is for in a header (X-Newsdesk-Task: "translate de-CH", "digest de,en"):
  // the prompt files' wording is the desk's to edit. Only requests without it (a plain script's) are read by their prose.
  const [kind, langs, extra] = body.task ? body.task.split(" ") : [/Task: translate/.test(text) ? "translate" : /Task: (?:condense|digest)/.test(text) ? "digest" : "unknown", undefined];
  const task = (kind === "translate" || kind === "digest" || kind === "headlines" ? kind : "unknown") as RequestInfo["task"];
  const block = /<article[^>]*>\n([\s\S]*?)\n<\/article>/.exec(text)?.[1] ?? "";
  const title = /^Title: (.*)$/m.exec(block)?.[1] ?? "";
  // One line per paragraph, opened by its number ("3 The council..."; before issue 16: "[3] ...").
  const paragraphs = [...block.matchAll(/^(?:\[\d+\]|\d+) (.*)$/gm)].map((m) => m[1]!);
  const glossary = new Map<string, string>();
  // The desk's terms: "- Terms: A -> B; keep C, D" (a digest: "- de terms: ..."); the review desk's: lines `- "A" -> "B"`.
  for (const m of text.matchAll(/^\s*- "([^"]+)" -> "([^"]+)"/gm)) glossary.set(m[1]!, m[2]!);
  for (const m of text.matchAll(/^- (?:[A-Za-z-]+ )?[Tt]erms: (.*)$/gm)) {
    for (const item of m[1]!.match(/(?:"(?:[^"\\]|\\.)*"|[^;])+/g) ?? []) {
      const unquote = (t: string) => (t.trim().startsWith('"') ? (JSON.parse(t.trim()) as string) : t.trim());
      const keep = /^\s*keep (.*)$/.exec(item);
      if (keep) for (const t of keep[1]!.match(/(?:"(?:[^"\\]|\\.)*"|[^,])+/g) ?? []) glossary.set(unquote(t), unquote(t));
      else if (item.includes(" -> ")) glossary.set(unquote(item.slice(0, item.indexOf(" -> "))), unquote(item.slice(item.indexOf(" -> ") + 4)));
    }
  }
  let target: string | null = null;
  let languages: string[] = [];
  if (task === "translate" && langs) target = langs;
  else if (task === "translate") {
    const into = /Task: translate .*? into ([A-Za-z]+)(?: \(([A-Za-z-]+)\))?/.exec(text);
    target = into ? (into[2] ?? languageCode(into[1]!)) : null;
  }
  if (task === "digest" || task === "headlines") languages = langs ? langs.split(",") : languagesInProse(text);
  const channels = task === "digest" && extra?.startsWith("+") ? extra.slice(1).split(",").filter(Boolean) : [];
  return { task, target, languages, channels, title, paragraphs, glossary, text };
}

/** Only for requests without the task header (Batch API lines): the digest's languages as its prompt names them. */
function languagesInProse(text: string): string[] {
  const listed = /For each language code \(([^)]*)\)/.exec(text)?.[1];
  if (listed) return listed.split(", ").filter(Boolean);
  // "digest the article for de (German), en (English), each in its language"
  const list = /Task: (?:condense|digest) the article (?:above )?for (.*?), each in its language/.exec(text)?.[1] ?? "";
  return [...list.matchAll(/([a-z]{2,3}(?:-[A-Za-z]{2,4})?) \(/g)].map((m) => m[1]!);
}

function languageCode(name: string): string {
  return ({ German: "de", English: "en", French: "fr", Italian: "it" } as Record<string, string>)[name] ?? name.toLowerCase();
}

/** Every call of an article shares one response format: each task fills its part, the other is null. */
export function translationReply(translation: unknown): { json: { translation: unknown; digest: null } } {
  return { json: { translation, digest: null } };
}
export function digestReply(digest: Record<string, unknown>): { json: { translation: null; digest: Record<string, any> } } {
  return { json: { translation: null, digest } };
}

/** The headlines task has its own answer shape: {"headlines": {"de": [{"text": "..."}, x3]}}. */
export function headlinesReply(headlines: Record<string, { text: string }[]>): { json: { headlines: Record<string, { text: string }[]> } } {
  return { json: { headlines } };
}

/** The tasks a request asks for: ["digest de,en", "translate de"] for a joint call ("digest de,en + translate de"). */
export function partsOf(body: ChatRequestBody): string[] {
  return body.task ? body.task.split(" + ") : [];
}

/** Every task the requests asked for, in order, a joint call's parts each on their own. */
export function tasksAsked(requests: ChatRequestBody[]): string[] {
  return requests.flatMap(partsOf);
}

/**
 * A joint call (X-Newsdesk-Task "digest de,en + translate de": one call for a short article's tasks)
 * answered the way a model would: every part by the handler, as if asked alone, and the parts'
 * JSON objects merged into one answer. A part that is not JSON (an error, garbage) is the whole reply.
 */
export function eachPart(handler: Handler): Handler {
  return async (body, index) => {
    const parts = body.task ? body.task.split(" + ") : jointPartsInProse(body);
    if (parts.length < 2) return handler(body, index);
    let delay = 0;
    const merged: Record<string, unknown> = {};
    for (const task of parts) {
      let reply = await handler({ ...body, task, joint: parts.join(" + ") }, index);
      while ("delayMs" in reply) {
        delay = Math.max(delay, reply.delayMs);
        reply = reply.then;
      }
      const json = "json" in reply ? reply.json : "content" in reply && !reply.finishReason ? parseOrNull(reply.content) : null;
      if (!json || typeof json !== "object" || Array.isArray(json)) return delay ? { delayMs: delay, then: reply } : reply;
      for (const [key, value] of Object.entries(json)) if (value !== null || !(key in merged)) merged[key] = value;
    }
    return delay ? { delayMs: delay, then: { json: merged } } : { json: merged };
  };
}

/** A Batch API line has no task header: a joint call is known by its two task texts. */
function jointPartsInProse(body: ChatRequestBody): string[] {
  const text = body.messages.map((m) => m.content).join("\n");
  if (!/Task: translate/.test(text) || !/Task: (?:condense|digest)/.test(text)) return [];
  const into = /Task: translate .*? into ([A-Za-z]+)(?: \(([A-Za-z-]+)\))?/.exec(text);
  const target = into ? (into[2] ?? languageCode(into[1]!)) : "de";
  return [`translate ${target}`, `digest ${languagesInProse(text).join(",")}`];
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The default handler: a well-behaved model. */
export function fakeModel(body: ChatRequestBody): Reply {
  const info = describeRequest(body);
  if (info.task === "translate") return translationReply(fakeTranslation(info));
  if (info.task === "digest") return digestReply(fakeDigest(info));
  if (info.task === "headlines") return headlinesReply(fakeHeadlines(info));
  return { status: 400, message: "fake model: unknown task" };
}

export function fakeTranslation(info: RequestInfo): { title: string; paragraphs: string[] } {
  const lang = (info.target ?? "de").split("-")[0]!;
  const fixture = fixtures.get(`${lang}\n${info.title}`);
  if (fixture && fixture.paragraphs.length === info.paragraphs.length) return fixture;
  const filler = FILLER[lang] ?? FILLER.de!;
  const names = new Map([...nameFormsFor(lang), ...info.glossary]);
  return {
    title: `${filler.title} ${facts(info.title, names)}`.trim(),
    paragraphs: info.paragraphs.map((p, i) => `${filler.paragraph(i + 1)} ${facts(p, names)}`.trim()),
  };
}

export function fakeDigest(info: RequestInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of info.languages) {
    const filler = FILLER[key.split("-")[0]!] ?? FILLER.en!;
    out[key] = {
      summary: filler.summary,
      keyPoints: filler.points,
      snippet: { headline: filler.headline, teaser: filler.teaser },
      ...(info.channels.length ? { channels: fakeChannels(key, info.channels) } : {}),
    };
  }
  return out;
}

/** Channel texts within their limits, only the asked ones: push, social, seo (seoTitle and seoDescription). */
export function fakeChannels(key: string, channels: string[]): Record<string, string> {
  const filler = FILLER[key.split("-")[0]!] ?? FILLER.en!;
  const out: Record<string, string> = {};
  if (channels.includes("push")) out.push = filler.push;
  if (channels.includes("social")) out.social = filler.social;
  if (channels.includes("seo")) {
    out.seoTitle = filler.seoTitle;
    out.seoDescription = filler.seoDescription;
  }
  return out;
}

/** Three different headlines per language, each well under 90 characters, in the language asked for. */
export function fakeHeadlines(info: RequestInfo): Record<string, { text: string }[]> {
  const out: Record<string, { text: string }[]> = {};
  for (const key of info.languages) {
    const filler = FILLER[key.split("-")[0]!] ?? FILLER.en!;
    out[key] = filler.headlines.map((text) => ({ text }));
  }
  return out;
}

/** Names and numbers of a source text, names mapped to the target's forms (longest first). */
function facts(text: string, forms: Map<string, string>): string {
  let mapped = text;
  for (const [from, to] of [...forms].sort((a, b) => b[0].length - a[0].length)) {
    mapped = mapped.replace(new RegExp(`\\b${escapeRegExp(from)}\\b`, "g"), to);
  }
  const numbers = mapped.match(/\d+(?:[.,:']\d+)*/g) ?? [];
  const names = mapped.match(/\b\p{Lu}[\p{L}-]+(?:\s+\p{Lu}[\p{L}-]+)*/gu) ?? [];
  const unique = [...new Set([...names, ...numbers])];
  return unique.length ? `(${unique.join(", ")})` : "";
}

const FILLER: Record<string, {
  title: string; paragraph: (n: number) => string; summary: string; points: string[]; headline: string; teaser: string;
  push: string; social: string; seoTitle: string; seoDescription: string; headlines: string[];
}> = {
  de: {
    title: "Meldung:",
    paragraph: (n) => `Im Abschnitt ${n} berichtet die Meldung über die Entwicklung der Lage und nennt dabei die wichtigsten Angaben, die für die Leserinnen und Leser von Bedeutung sind:`,
    summary: "Die Meldung beschreibt die jüngste Entwicklung der Lage und nennt die wichtigsten Beteiligten. Sie ordnet die Ereignisse ein und erklärt, welche Folgen sie für die kommenden Wochen haben könnten.",
    points: [
      "Die Beteiligten haben sich zu der Lage geäussert.",
      "Die Gespräche sollen in den nächsten Wochen weitergehen.",
      "Die Folgen für die Region sind noch nicht absehbar.",
    ],
    headline: "Neue Entwicklung in der Lage",
    teaser: "Die Beteiligten haben sich zu der Lage geäussert und wollen die Gespräche fortsetzen. Was das für die kommenden Wochen bedeutet, lesen Sie hier.",
    push: "Neue Entwicklung: Die Beteiligten wollen die Gespräche in den nächsten Wochen fortsetzen.",
    social: "Die Beteiligten haben sich zur Lage geäussert und wollen weiter verhandeln. Was das für die kommenden Wochen bedeutet:",
    seoTitle: "Neue Entwicklung in der Lage: Gespräche gehen weiter",
    seoDescription: "Die Beteiligten haben sich zur Lage geäussert und wollen die Gespräche in den nächsten Wochen fortsetzen.",
    headlines: [
      "Die Beteiligten wollen die Gespräche über die Lage fortsetzen",
      "Neue Entwicklung: Was die Lage für die kommenden Wochen bedeutet",
      "Gespräche gehen weiter, die Folgen für die Region sind noch offen",
    ],
  },
  en: {
    title: "Report:",
    paragraph: (n) => `In section ${n} the report describes how the situation has developed and gives the most important details that matter to the readers:`,
    summary: "The report describes the latest developments and names the most important people involved. It puts the events in context and explains what they could mean for the coming weeks.",
    points: [
      "Those involved have commented on the situation.",
      "The talks are to continue in the coming weeks.",
      "The consequences for the region are not yet clear.",
    ],
    headline: "New developments in the situation",
    teaser: "Those involved have commented on the situation and want to continue the talks. Read here what this means for the coming weeks.",
    push: "New developments: those involved want to continue the talks in the coming weeks.",
    social: "Those involved have commented on the situation and want to keep talking. What this means for the coming weeks:",
    seoTitle: "New developments in the situation: talks to continue",
    seoDescription: "Those involved have commented on the situation and want to continue the talks in the coming weeks.",
    headlines: [
      "Those involved want to continue the talks on the situation",
      "New developments: what the situation means for the coming weeks",
      "Talks go on while the consequences for the region remain unclear",
    ],
  },
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^$()|[\]\\{}]/g, "\\$&");
}
