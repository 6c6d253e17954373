// A results folder for the review desk's tests, made by the project's pipeline against the local
// OpenAI-compatible test server (test/support): the same files `newsdesk run --out` writes.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArticle } from "../src/article/index.ts";
import { processArticle } from "../src/run/pipeline.ts";
import { writeResultFiles } from "../src/render/files.ts";
import type { Article } from "../src/core/types.ts";
import { generateArticle, type GeneratedArticle } from "./support/articles.ts";
import { describeRequest, fakeModel, fakeTranslation, registerTranslation, translationReply } from "./support/fake-model.ts";
import type { ChatRequestBody, Reply } from "./support/openai-server.ts";
import { tempDir, testPipeline } from "./support/setup.ts";

/** The story whose German translation loses the number of paragraph 3 (a warning at that paragraph). */
export const WARNED_TITLE = generateArticle(0).title;
export const XSS = `<img src=x onerror="window.__xss=1">`;

const GERMAN_STORY = [
  "Basler Rheinfähre fährt nach dem Winter wieder",
  "Published: 2024-05-20T08:00",
  "Die Klingental-Fähre hat nach drei Monaten Reparatur den Betrieb auf dem Rhein wieder aufgenommen. Die erste Fahrt am Montagmorgen war gut besucht, wie die Betreiber mitteilten.",
  "Die Reparatur kostete rund 180'000 Franken. Der grösste Teil des Geldes stammt aus einem Fonds der Stadt, den Rest bezahlt der Verein der Fährleute aus eigenen Mitteln.",
  "Auf der ersten Überfahrt waren Schulkinder und zwei Velofahrer an Bord. Der Fährmann sagte, er freue sich sehr, dass die Fähre nach der langen Pause wieder unterwegs sei.",
  "Die Fähre verkehrt bis im Oktober täglich zwischen zehn Uhr morgens und sieben Uhr abends. Bei Hochwasser bleibt sie aus Sicherheitsgründen am Ufer vertäut.",
  "©Keystone/SDA",
].join("\n\n");

/** A faithful English version for the fake model (its filler would keep German nouns as "names"). */
const GERMAN_STORY_EN = {
  title: "Basel Rhine ferry runs again after the winter",
  paragraphs: [
    "The Klingental ferry has resumed service on the Rhine after three months of repairs. The first crossing on Monday morning was busy, the operators said.",
    "The repairs cost around 180,000 francs. Most of the money comes from a city fund; the ferrymen's association pays the rest from its own funds.",
    "Schoolchildren and two cyclists were on board the first crossing. The ferryman said he was very happy that the ferry was running again after the long break.",
    "Until October the ferry runs daily between ten in the morning and seven in the evening. At high water it stays moored at the bank for safety reasons.",
  ],
};

/** Wire text with a blank line between paragraphs. */
function storyText(a: GeneratedArticle): string {
  return [a.title, `Published: ${a.published}`, ...a.paragraphs, `©${a.credit}`].join("\n\n") + "\n";
}

/** The fake model, except that the German translation of WARNED_TITLE drops paragraph 3's numbers. */
export function modelWithWarning(body: ChatRequestBody, _index?: number): Reply {
  const info = describeRequest(body);
  // The review desk's paragraph retranslation: one paragraph, the whole article as context.
  const one = /Task: translate only paragraph \[(\d+)\] of the article above into (\w+)/.exec(info.text);
  if (one) {
    const paragraph = info.paragraphs[Number(one[1]) - 1] ?? "";
    const fake = fakeTranslation({ ...info, target: one[2] === "German" ? "de" : "en", paragraphs: [paragraph] });
    return translationReply({ title: fake.title, paragraphs: [`Neu übersetzt: ${fake.paragraphs[0]}`] });
  }
  if (info.task === "translate" && info.title === WARNED_TITLE && (info.target ?? "").startsWith("de")) {
    const translation = fakeTranslation(info);
    if (translation.paragraphs.length < 3) throw new Error(`expected the whole article, got ${JSON.stringify(info.paragraphs)} ${info.text.slice(-600)}`);
    translation.paragraphs[2] = translation.paragraphs[2]!.replace(/\d+(?:[.,:']\d+)*/g, "").replace(/,\s*\)/g, ")");
    return translationReply(translation);
  }
  return fakeModel(body);
}

export function fixtureArticles(): Article[] {
  registerTranslation(GERMAN_STORY.split("\n")[0]!, "en", GERMAN_STORY_EN);
  const english = [0, 1, 2].map((i) => {
    const a = generateArticle(i);
    return { ...a, published: `2024-05-${String(10 + i).padStart(2, "0")}T09:00` };
  });
  const hostile = { ...generateArticle(3), title: `Council debates ${XSS} budget`, published: "2024-05-01T09:00" };
  hostile.paragraphs = [`${hostile.paragraphs[0]} ${XSS}`, ...hostile.paragraphs.slice(1)];
  const articles = [...english, hostile].map((a, i) =>
    parseArticle(storyText(a), { path: `inbox/story-${i + 1}.txt` }, "text"),
  );
  articles.push(parseArticle(GERMAN_STORY + "\n", { path: "inbox/faehre.txt" }, "text"));
  return articles;
}

/** The channels the German story's result is made with (`run --channels push,social,seo`). */
export const GERMAN_CHANNELS = ["push", "social", "seo"] as const;

/**
 * Runs the pipeline over the fixture articles and writes their result files into a new folder.
 * The German story is made as `run --channels push,social,seo` and then `headlines` would make it:
 * its result has channel texts and headline options in both languages.
 */
export async function makeResults(serverUrl: string, dir = path.join(tempDir("newsdesk-serve-"), "out")) {
  mkdirSync(dir, { recursive: true });
  const pipeline = testPipeline(serverUrl);
  const withChannels = testPipeline(serverUrl, { channels: [...GERMAN_CHANNELS] });
  const headlines = testPipeline(serverUrl, { tasks: ["headlines"] });
  const ids: Record<"warned" | "hostile" | "german" | "plain", string> = { warned: "", hostile: "", german: "", plain: "" };
  const articles = fixtureArticles();
  for (const [i, article] of articles.entries()) {
    const result = await processArticle(article, i === 4 ? withChannels : pipeline);
    writeResultFiles(dir, result);
    // The headline options are added to the file as `newsdesk headlines --out` adds them.
    if (i === 4) writeResultFiles(dir, await processArticle(article, headlines));
    if (i === 0) ids.warned = result.id;
    if (i === 1) ids.plain = result.id;
    if (i === 3) ids.hostile = result.id;
    if (i === 4) ids.german = result.id;
  }
  for (const p of [pipeline, withChannels, headlines]) p.options.cache?.close();
  return { dir, ids, count: articles.length };
}
