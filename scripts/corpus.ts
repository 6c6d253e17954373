// `npm run test:corpus`: the checks against real human translations (WMT19 news documents in
// ../shared/data/wmt, read in place, never copied). A human reference translation should pass
// every hard check (else newsdesk would pay for needless repairs); soft findings are listed so
// their false-alarm rate can be watched. Exit code 1 if any hard check rejects a reference.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkTranslation, registerFindings, type Finding } from "../src/checks/index.ts";
import { detectLanguage } from "../src/core/language.ts";
import { defaultGlossaryPath, glossaryFor, loadGlossary } from "../src/core/glossary.ts";
import { processArticle } from "../src/run/pipeline.ts";
import { createModelClient } from "../src/model/create.ts";
import { articleId } from "../src/article/index.ts";
import type { Article } from "../src/core/types.ts";
import { startOpenAIServer } from "../test/support/openai-server.ts";
import { describeRequest, fakeModel, translationReply } from "../test/support/fake-model.ts";

interface WmtDoc { docid: string; srclang: string; tgtlang: string; source: string[]; reference: string[] }

const dataDir = process.argv[2] ?? path.resolve(fileURLToPath(new URL("../", import.meta.url)), "../shared/data/wmt");
let files: string[];
try {
  files = readdirSync(dataDir).filter((f) => f.endsWith(".json")).sort();
} catch {
  console.error(`corpus: cannot read ${dataDir} (pass the WMT folder as the first argument)`);
  process.exit(2);
}

const glossary = loadGlossary(defaultGlossaryPath());
let hard = 0;
let soft = 0;
let segments = 0;
for (const file of files) {
  const doc = JSON.parse(readFileSync(path.join(dataDir, file), "utf8")) as WmtDoc;
  const [title, ...paragraphs] = doc.source;
  const [outTitle, ...outParagraphs] = doc.reference;
  segments += doc.source.length;
  const detected = detectLanguage(doc.source.join(" "));
  const findings: Finding[] = checkTranslation({
    source: { title: title!, paragraphs, lang: doc.srclang },
    output: { title: outTitle!, paragraphs: outParagraphs },
    target: doc.tgtlang,
    glossary: glossaryFor(glossary, doc.source.join("\n"), doc.tgtlang),
  });
  const h = findings.filter((f) => f.severity === "hard");
  const s = findings.filter((f) => f.severity === "soft");
  hard += h.length;
  soft += s.length;
  console.log(`${doc.docid} ${doc.srclang}->${doc.tgtlang} (${doc.source.length} segments, source detected as ${detected}): ${h.length} hard, ${s.length} soft`);
  for (const f of findings) console.log(`  ${f.severity} ${f.check}: ${f.message}`);
}
console.log(`\n${files.length} documents, ${segments} segments: ${hard} hard findings, ${soft} soft findings on human references`);

// The register check (--formality) on the German side of every document (the reference of en->de,
// the source of de->en): news narrative rarely addresses the reader, so what it flags here is
// mostly a false alarm. It is soft (one repair, then a warning), never hard.
const registerCounts = { formal: 0, informal: 0 };
for (const file of files) {
  const doc = JSON.parse(readFileSync(path.join(dataDir, file), "utf8")) as WmtDoc;
  const german = doc.tgtlang === "de" ? doc.reference : doc.srclang === "de" ? doc.source : null;
  if (!german) continue;
  const parts = german.map((text, i): [string, string] => [i === 0 ? "the title" : `paragraph ${i}`, text]);
  for (const register of ["formal", "informal"] as const) {
    for (const f of registerFindings(parts, register)) {
      registerCounts[register]++;
      console.log(`  ${doc.docid} --formality ${register}: ${f.severity} ${f.check}: ${f.message}`);
    }
  }
}
console.log(`register: ${registerCounts.formal} soft findings under --formality formal, ${registerCounts.informal} under informal (German text of ${files.length} documents; 0 hard by design)`);

// The whole pipeline, with a "model" that answers every translation with the human reference:
// how many calls does newsdesk spend on a translation that is already right?
const references = new Map<string, { title: string; paragraphs: string[] }>();
const docs = files.map((f) => JSON.parse(readFileSync(path.join(dataDir, f), "utf8")) as WmtDoc);
for (const doc of docs) {
  const [t, ...p] = doc.reference;
  references.set(doc.source[0]!, { title: t!, paragraphs: p });
}
const server = await startOpenAIServer({
  handler: (body) => {
    const info = describeRequest(body);
    const reference = references.get(info.title);
    return info.task === "translate" && reference ? translationReply(reference) : fakeModel(body);
  },
});
let calls = 0;
let warnings = 0;
for (const doc of docs) {
  const [title, ...paragraphs] = doc.source;
  const article: Article = {
    id: articleId(title!, paragraphs), title: title!, published: null, credit: null, lang: doc.srclang,
    paragraphs, url: null, source: { path: doc.docid },
  };
  const result = await processArticle(article, {
    client: createModelClient({ baseURL: server.url, apiKey: "corpus", maxRetries: 0 }),
    model: "reference",
    cache: null,
    languages: [doc.tgtlang],
    tasks: ["translate"],
    glossary,
  });
  calls += result.usage.calls;
  warnings += result.warnings.length;
  console.log(`pipeline ${doc.docid}: ${result.usage.calls} call(s), ${result.warnings.length} warning(s)`);
}
await server.close();
console.log(`pipeline: ${docs.length} reference translations took ${calls} calls (${calls - docs.length} retries for soft findings), ${warnings} warnings`);
process.exit(hard > 0 ? 1 : 0);
