// newsletter: one section (headline, teaser, key points per article) from many articles, as
// Markdown, email-safe HTML, a feed, or JSON.
import { Command, InvalidArgumentError, Option } from "commander";
import { ConfigError } from "../../core/errors.ts";
import { CHANNELS, HEADLINES_PER_LANGUAGE, type Article } from "../../core/types.ts";
import type { TaskKind } from "../../run/pipeline.ts";
import { itemHeadline, loadLayout, renderNewsletter, type NewsletterItem } from "../../render/newsletter/index.ts";
import { channelList, languageList, positiveInt, withCommonOptions } from "../flags.ts";
import { io, writeStdout } from "../io.ts";
import { packageVersion } from "../version.ts";

export function addNewsletterCommand(program: Command) {
  withCommonOptions(
    program
      .command("newsletter")
      .description("a newsletter section (headline, teaser, key points per article) in Markdown or email-safe HTML")
      .argument("[inputs...]", "files, folders, globs, JSONL files, http(s) URLs of pages or feeds, feed files, files listing URLs, or - for stdin (read by itself when piped)")
      .option("--lang <code>", "language of the section", "de")
      .option("--channels <list>", `also write ${CHANNELS.join(", ")} texts in the digest call: the layout's {{push}}, {{social}}, {{seo_title}}, {{seo_description}}`, channelList)
      .option("--json", "print the section's items as one JSON object instead of the layout")
      .addOption(new Option("--format <format>", "output format (rss, jsonfeed: the section as a feed)").choices(["md", "html", "rss", "jsonfeed"]).default("md"))
      .option("--link <url>", "rss/jsonfeed: the site the feed stands for (default: the origin of the first item's link)")
      .option("--title <text>", "section title")
      .option("--points <n>", "key points per item", positiveInt, 3)
      .addOption(new Option("--order <order>", "item order").choices(["newest", "input"]).default("newest"))
      .option("--template <file>", "your own layout file")
      .option("--headline <n>", `use headline option N (1-${HEADLINES_PER_LANGUAGE}, the headlines task; one more call per article unless cached) as each item's headline`, (value: string) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > HEADLINES_PER_LANGUAGE) throw new InvalidArgumentError(`expected a whole number from 1 to ${HEADLINES_PER_LANGUAGE}`);
        return n;
      }),
  ).action(async (inputs: string[], options) => {
    const { inputsOrStdin, runArticles } = await import("./run-articles.ts");
    const [lang] = languageList(options.lang);
    // A broken layout fails before any model call is paid for.
    const feedFormat = options.format === "rss" || options.format === "jsonfeed";
    if (feedFormat && options.template) throw new ConfigError(`--template works with --format md or html, not ${options.format}`);
    if (!feedFormat) loadLayout(options.format, options.template);
    // Results arrive as they finish; --order input needs the order they were read in.
    const readOrder = new Map<Article, number>();
    const items: { item: NewsletterItem; index: number }[] = [];
    const tasks: TaskKind[] = options.headline ? ["digest", "headlines"] : ["digest"];
    const code = await runArticles(inputsOrStdin(inputs), options, [lang!], tasks, (result, article) => {
      const version = result.languages[lang!]!;
      const index = readOrder.get(article)!;
      readOrder.delete(article);
      items.push({
        index,
        item: {
          id: result.id,
          headline: itemHeadline(version, options.headline),
          teaser: version.snippet!.teaser,
          keyPoints: version.keyPoints ?? [],
          credit: result.source.credit,
          published: result.source.published,
          url: result.source.url,
          ...(version.channels ? { channels: version.channels } : {}),
        },
      });
    }, (article) => readOrder.set(article, readOrder.size));
    if (items.length > 0 && options.json) {
      items.sort((a, b) => a.index - b.index);
      writeStdout(JSON.stringify({ lang: lang!, title: options.title ?? null, items: items.map((i) => i.item) }, null, 2) + "\n");
    } else if (items.length > 0) {
      items.sort((a, b) => a.index - b.index);
      writeStdout(
        renderNewsletter(items.map((i) => i.item), {
          format: options.format,
          lang: options.variant?.find((v: string) => v.startsWith(lang!)) ?? lang!,
          title: options.title,
          points: options.points,
          order: options.order,
          template: options.template,
          link: options.link,
          generator: `newsdesk ${packageVersion()}`,
        }),
      );
    }
    io.exitCode = code;
  });
}
