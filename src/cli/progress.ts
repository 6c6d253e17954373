// Batch progress on stderr: a bar on a terminal (cli-progress), plain periodic lines in a pipe or
// CI, nothing with --quiet. stdout is never touched. While input still streams the total is
// unknown: the bar shows done/read-so-far ("+" until the input is exhausted).
import { createRequire } from "node:module";
import type cliProgress from "cli-progress";

export type ProgressMode = "bar" | "lines" | "none";

export interface Progress {
  /** An article was read from the input. */
  read(): void;
  /** The input is exhausted: the total is known. */
  inputDone(): void;
  /** The total counted before reading (`exact` false: at least this many). */
  expect(total: number, exact: boolean): void;
  /** An article finished (ok) or failed. */
  finished(ok: boolean): void;
  /** A message line (e.g. a failure) that must not tear the bar apart. */
  log(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  mode: ProgressMode;
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** lines mode: at most one line per interval, plus one per 10% of a known total (default 5 s). */
  intervalMs?: number;
  now?: () => number;
  /** More to show while it runs, e.g. "12 calls, $0.03, 2 retries". */
  status?: () => string;
}

export function progressMode(options: { quiet?: boolean; stream?: { isTTY?: boolean }; env?: Record<string, string | undefined> }): ProgressMode {
  const env = options.env ?? process.env;
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return "none";
  if (stream.isTTY && !env.CI && env.TERM !== "dumb") return "bar";
  return "lines";
}

interface Counts { read: number; done: number; failed: number; inputDone: boolean; started: number; expected: number | null; exact: boolean }

function describe(c: Counts, now: number) {
  const finished = c.done + c.failed;
  const seconds = Math.max(0.001, (now - c.started) / 1000);
  const rate = finished / seconds;
  // Counted before reading when it could be; exact once the input is exhausted.
  const known = c.inputDone ? c.read : c.expected !== null ? Math.max(c.expected, c.read) : null;
  const total = known === null ? `${c.read}+` : c.inputDone || c.exact ? `${known}` : `${known}+`;
  const left = (known ?? c.read) - finished;
  const eta = known !== null && rate > 0 && finished > 0 ? formatSeconds(left / rate) : "?";
  return { finished, total, rate: rate >= 10 ? rate.toFixed(0) : rate.toFixed(1), eta };
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const stream = options.stream ?? process.stderr;
  const c: Counts = { read: 0, done: 0, failed: 0, inputDone: false, started: now(), expected: null, exact: false };
  if (options.mode === "none") return { read() {}, inputDone() {}, expect() {}, finished() {}, log() {}, stop() {} };

  const status = () => (options.status ? ` | ${options.status()}` : "");
  if (options.mode === "bar") {
    // Loaded only for a bar on a terminal.
    const { SingleBar, Presets } = createRequire(import.meta.url)("cli-progress") as typeof cliProgress;
    // The text beside the bar takes ~60 columns (more with the status): the bar gets what is left.
    const columns = (stream as NodeJS.WriteStream).columns ?? 80;
    const bar = new SingleBar(
      {
        stream: stream as NodeJS.WritableStream,
        format: "{bar} {finished}/{total} articles | {failed} failed | {rate}/s | ETA {etaText}{status}",
        barsize: Math.max(5, Math.min(40, columns - 90)),
        linewrap: false,
        hideCursor: true,
        clearOnComplete: false,
        fps: 5,
      },
      Presets.shades_classic,
    );
    let stopped = false;
    bar.start(1, 0, { finished: 0, total: "0+", failed: 0, rate: "0", etaText: "?", status: "" });
    const update = () => {
      const d = describe(c, now());
      bar.setTotal(Math.max(1, c.inputDone ? c.read : Math.max(c.read, c.expected ?? 0)));
      bar.update(d.finished, { finished: d.finished, total: d.total, failed: c.failed, rate: d.rate, etaText: d.eta, status: status() });
    };
    return {
      read() { c.read++; update(); },
      inputDone() { c.inputDone = true; update(); },
      expect(total, exact) { c.expected = total; c.exact = exact; update(); },
      finished(ok) { if (ok) c.done++; else c.failed++; update(); },
      // Above the bar: clear its line, write the message, draw the bar again below it.
      log(text) {
        if (stopped) return void stream.write(text + "\n");
        stream.write(`\r\x1b[2K${text}\n`);
        (bar as unknown as { render(force?: boolean): void }).render(true);
      },
      stop() {
        if (stopped) return;
        stopped = true;
        update();
        bar.stop();
      },
    };
  }

  const interval = options.intervalMs ?? 5000;
  let lastLine = now();
  let lastDecile = 0;
  const line = () => {
    const d = describe(c, now());
    stream.write(`newsdesk: ${d.finished}/${d.total} articles, ${c.failed} failed, ${d.rate}/s, ETA ${d.eta}${status().replace(" |", ",")}\n`);
    lastLine = now();
  };
  const maybeLine = () => {
    const finished = c.done + c.failed;
    const total = c.inputDone ? c.read : c.exact ? (c.expected ?? 0) : 0;
    const decile = total ? Math.floor((10 * finished) / total) : 0;
    if (decile > lastDecile) {
      lastDecile = decile;
      if (finished < total) return line();
    }
    if (now() - lastLine >= interval) line();
  };
  // A stalled batch (waiting on rate limits) still says something every interval.
  const timer = setInterval(() => { if (now() - lastLine >= interval) line(); }, interval);
  timer.unref();
  return {
    read() { c.read++; },
    inputDone() { c.inputDone = true; },
    expect(total, exact) { c.expected = total; c.exact = exact; },
    finished(ok) { if (ok) c.done++; else c.failed++; maybeLine(); },
    log(text) { stream.write(text + "\n"); },
    stop() { clearInterval(timer); },
  };
}
