#!/usr/bin/env -S node --max-semi-space-size=4
// Runs the TypeScript CLI through tsx, so `npx newsdesk` works right after `npm ci` with no build step.
// The small young generation (shebang flag): a batch makes many short-lived strings, and V8's
// default lets ~60 MB of them pile up before collecting (peak RSS of 10,000 articles ~280 -> ~220 MB).
import { register } from "tsx/esm/api";
register();
await import("../src/cli.ts");
