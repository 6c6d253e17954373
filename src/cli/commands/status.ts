// `newsdesk status`: the effective setup, without secrets; --probe sends one cheap request.
import { Option, type Command } from "commander";
import { existsSync } from "node:fs";
import { Cache } from "../../core/cache.ts";
import { PROVIDER_KINDS, modelConfig, userEnvPath } from "../../core/config.ts";
import { describeError } from "../../core/errors.ts";
import { defaultGlossaryPath, loadGlossary } from "../../core/glossary.ts";
import { loadPromptSet } from "../../core/prompts.ts";
import { cachePathOf, modelName, providerOptions } from "../flags.ts";
import { EXIT_USAGE, io, terminalSafe, writeStdout } from "../io.ts";
import { packageVersion } from "../version.ts";

export function addStatusCommand(program: Command) {
  program
    .command("status")
    .description("the effective setup, without secrets: model, server, key set or not, cache, prompts, glossary")
    .option("-m, --model <name>", "model name")
    .addOption(new Option("--provider <name>", "who serves the model").choices([...PROVIDER_KINDS]))
    .option("--cache <file>", "cache file")
    .option("--prompts <dir>", "folder with the prompt files")
    .option("--glossary <file>", "glossary file")
    .option("--probe", "send one cheap request to the server (a few tokens) and say how it went")
    .option("--json", "as JSON")
    .action(async (options) => {
      // Loaded here, not at start: `newsdesk --help` needs none of them.
      const [{ createModelClient }, { channelsPromptFor }, { headlinesPrompt }] = await Promise.all([
        import("../../model/create.ts"),
        import("../../tasks/digest.ts"),
        import("../../tasks/headlines.ts"),
      ]);
      const rawKey = io.env.OPENAI_API_KEY;
      const baseURL = io.env.OPENAI_BASE_URL?.trim();
      let server = "api.openai.com (default)";
      if (baseURL) {
        try {
          const url = new URL(baseURL);
          server = `${url.protocol}//${url.host}${url.pathname} (OPENAI_BASE_URL)`; // never user:password@
        } catch {
          server = "OPENAI_BASE_URL is not a URL";
        }
      }
      const cacheFile = cachePathOf(options.cache);
      let cacheLine = "none yet";
      if (existsSync(cacheFile)) {
        try {
          const store = new Cache(cacheFile, { readonly: true });
          const stats = store.stats();
          store.close();
          cacheLine = `${stats.articles} articles, ${stats.entries} entries, ${(stats.bytes / 1024).toFixed(0)} KiB`;
        } catch (error) {
          cacheLine = `unusable: ${describeError(error)}`;
        }
      }
      const prompts = loadPromptSet(options.prompts);
      const glossaryFile = typeof options.glossary === "string" ? options.glossary : defaultGlossaryPath();
      const glossary = loadGlossary(glossaryFile);
      const status: Record<string, unknown> = {
        version: packageVersion(),
        model: modelName(options),
        provider: options.provider || io.env.NEWSDESK_PROVIDER?.trim() || "openai",
        server,
        key: rawKey?.trim() ? "set" : "not set",
        envFiles: io.envFiles,
        cache: { file: cacheFile, contents: cacheLine },
        // Every prompt file a command may use: the shared three, and those of headlines and --channels.
        prompts: Object.fromEntries(
          [...Object.values(prompts), headlinesPrompt(prompts), channelsPromptFor(prompts)].map((p) => [p.name, `${p.file} ${p.hash.slice(0, 12)}`]),
        ),
        glossary: `${glossaryFile} (${glossary.length} terms)`,
      };
      if (options.probe) {
        const config = modelConfig(io.env, options.model, options.provider);
        const client = createModelClient({ ...providerOptions(config), maxRetries: 0, timeoutMs: 30_000 });
        const started = Date.now();
        try {
          await client.probe(config.model);
          status.probe = `ok in ${Date.now() - started} ms`;
        } catch (error) {
          status.probe = `failed after ${Date.now() - started} ms: ${describeError(error)}`;
          io.exitCode = EXIT_USAGE;
        }
      }
      if (options.json) return void writeStdout(JSON.stringify(status, null, 2) + "\n");
      const lines = [
        `newsdesk ${status.version}`,
        `model:     ${status.model}`,
        `provider:  ${status.provider}`,
        `server:    ${status.server}`,
        `key:       ${status.key} (OPENAI_API_KEY)`,
        `.env read: ${io.envFiles.length ? io.envFiles.join(", ") : "none"} (also looked for ./.env and ${userEnvPath(io.env)})`,
        `cache:     ${cacheFile}: ${cacheLine}`,
        ...Object.entries(status.prompts as Record<string, string>).map(([name, where]) => `prompt:    ${name} ${where}`),
        `glossary:  ${status.glossary}`,
        ...(status.probe ? [`probe:     ${status.probe}`] : []),
      ];
      writeStdout(terminalSafe(lines.join("\n")).replace(/\\x0a/g, "\n") + "\n");
    });
}
