// Loaded with --import before the CLI: at exit, writes the process's peak RSS (KiB) to $NEWSDESK_RSS_FILE.
import { writeFileSync } from "node:fs";
process.on("exit", () => {
  if (process.env.NEWSDESK_RSS_FILE) writeFileSync(process.env.NEWSDESK_RSS_FILE, String(process.resourceUsage().maxRSS));
});
