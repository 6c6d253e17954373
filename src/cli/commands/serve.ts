// `newsdesk serve`: the review desk (src/serve/): flags parsed here, everything else in serve().
import { Option, type Command } from "commander";
import { PROVIDER_KINDS } from "../../core/config.ts";
import { formality, languageList, positiveInt } from "../flags.ts";
import { io } from "../io.ts";

export function addServeCommand(program: Command) {
  program
    .command("serve")
    .description("the review desk: a local web page to check, edit, approve and export the results in a folder")
    .argument("<dir>", "results folder (what run/summarize --out wrote)")
    .option("--port <n>", "port", positiveInt, 4417)
    .option("--host <host>", "address to listen on; any but loopback needs --token-file", "127.0.0.1")
    .option("--token-file <file>", "file whose first line is the token every request must carry")
    .option("--model <name>", "model for retranslating a paragraph or re-running the digest (default: $NEWSDESK_MODEL or gpt-4o-mini)")
    .addOption(new Option("--provider <name>", "who serves the model (default: $NEWSDESK_PROVIDER or openai)").choices([...PROVIDER_KINDS]))
    .option("--formality <register>", "German register of the model help: formal (Sie) or informal (du), or per variant (default: $NEWSDESK_FORMALITY, else none)", formality)
    .option("--cache <file>", "cache file (default: $XDG_CACHE_HOME/newsdesk/cache.sqlite)")
    .option("--no-cache", "neither read nor write the cache")
    .option("--prompts <dir>", "folder with the prompt files (default: the shipped prompts/)")
    .option("--glossary <file>", "glossary CSV or JSON (default: the shipped one)")
    .option("--no-glossary", "use no glossary")
    .option("--variant <codes>", "regional variants, e.g. de-CH, en-GB", languageList)
    .option("--prices <file>", "price table JSON over the shipped one")
    .action(async (dir: string, options) => {
      const { serve } = await import("../../serve/index.ts");
      const desk = await serve({
        dir,
        host: options.host,
        port: options.port,
        tokenFile: options.tokenFile,
        model: options.model,
        cache: options.cache === true ? undefined : options.cache,
        prompts: options.prompts,
        glossary: options.glossary === true ? undefined : options.glossary,
        variants: options.variant,
        prices: options.prices,
        provider: options.provider,
        formality: options.formality,
      });
      io.stderr.write(`newsdesk: review desk for ${dir} at ${desk.url}${options.tokenFile ? "?token=<your token>" : ""} (Ctrl-C stops it)\n`);
      await new Promise((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await desk.close();
    });
}
