// The commands that write results per article: run, translate, summarize and headlines.
// The work itself (run-articles.ts: the pipeline, the tasks, zod, the model client) is imported
// when a command runs, not at start, so `newsdesk --help` loads only the flags.
import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import { CHANNELS, HEADLINES_PER_LANGUAGE, type ArticleResult } from "../../core/types.ts";
import type { TaskKind } from "../../run/pipeline.ts";
import { removeStaleTempFiles, writeResultFiles } from "../../render/files.ts";
import { articleMarkdown, translationMarkdown } from "../../render/markdown.ts";
import { channelList, languageList, withBatchApiOptions, withCommonOptions } from "../flags.ts";
import { io, writeStdout } from "../io.ts";

export function addArticleCommands(program: Command) {
  batchCommand(program, "run", "German and English versions, summaries, key points and newsletter snippets for each article", [
    "translate",
    "digest",
  ]);

  withCommonOptions(
    program
      .command("translate")
      .description("translate one article; prints the translation (Markdown, or --json)")
      .argument("[input]", "an article file, or - for stdin (read by itself when piped)")
      .requiredOption("--to <code>", "target language (required), e.g. de, en, de-CH")
      .option("--json", "print the result as one JSON object")
      .option("--jsonl", "print the result as one line of JSON"),
  ).action(async (input: string | undefined, options) => {
    const { inputsOrStdin, runArticles } = await import("./run-articles.ts");
    const [lang] = languageList(options.to);
    io.exitCode = await runArticles(inputsOrStdin(input ? [input] : []), options, [lang!], ["translate"], (result) => {
      if (options.jsonl) writeStdout(JSON.stringify(result) + "\n");
      else if (options.json) writeStdout(JSON.stringify(result, null, 2) + "\n");
      else writeStdout(translationMarkdown(result, lang!));
    });
  });

  batchCommand(program, "summarize", "summary and 3-5 key points per language for each article (one call per article)", ["digest"]).alias(
    "summarise",
  );

  batchCommand(program, "headlines", `${HEADLINES_PER_LANGUAGE} headline options per language for each article, with their character counts (one call per article)`, ["headlines"]);
}

/** `run` and `summarize`: many inputs, results as files, JSONL or Markdown. */
function batchCommand(program: Command, name: string, description: string, tasks: TaskKind[]): Command {
  return withBatchApiOptions(withCommonOptions(
    program
      .command(name)
      .description(description)
      .argument("[inputs...]", "files, folders, globs, JSONL files, http(s) URLs of pages or feeds, feed files, files listing URLs, or - for stdin (read by itself when piped)")
      .option("--lang <codes>", "languages to produce", languageList, ["de", "en"])
      .option("--channels <list>", `also write per language, in the digest call: ${CHANNELS.join(", ")} (push alert, social post, SEO title and description)`, channelList)
      .option("--out <dir>", "write <id>.json and <id>.<lang>.md per article into this folder (merged with what is there)")
      .option("--json", "print the results as JSON, one object per line (JSONL), also with --out")
      .option("--jsonl", "the same as --json"),
  )).action(async (inputs: string[], options) => {
    const { inputsOrStdin, runArticles } = await import("./run-articles.ts");
    io.exitCode = await runArticles(inputsOrStdin(inputs), options, options.lang, tasks, outputResult(options, options.lang));
  });
}

function outputResult(options: { out?: string; jsonl?: boolean; json?: boolean }, languages: string[]) {
  if (options.out && existsSync(options.out) && statSync(options.out).isDirectory()) removeStaleTempFiles(options.out);
  const jsonLines = options.jsonl || options.json;
  return (result: ArticleResult) => {
    if (options.out) {
      try {
        writeResultFiles(options.out, result);
      } catch (error) {
        throw new Error(`cannot write the result: ${(error as Error).message}`, { cause: error });
      }
    }
    if (jsonLines) writeStdout(JSON.stringify(result) + "\n");
    else if (!options.out) writeStdout(articlesMarkdown(result, languages));
  };
}

/** Markdown of one result on stdout: each language under a rule, so articles and languages stay apart. */
function articlesMarkdown(result: ArticleResult, languages: string[]): string {
  return languages.map((lang) => `<!-- ${result.id} ${lang} -->\n${articleMarkdown(result, lang)}`).join("\n---\n\n") + "\n---\n\n";
}
