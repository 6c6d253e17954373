// Where a run of the command line reads and writes, and what it gives back: its streams,
// environment and arguments (the process's own, or a caller's: tests run the CLI in-process),
// stdout that may go away, the lines said on stderr, and the exit codes.

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Where a run reads and writes: the process's own streams, or a caller's (tests run the CLI in-process). */
export interface CliIo {
  /** As process.argv: [node, script, ...arguments]. */
  argv: string[];
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface RunState extends CliIo {
  exitCode?: number;
  /** The reader of stdout went away (EPIPE, | head). */
  stdoutGone: boolean;
  stdoutClosed: Promise<void>;
  envFiles: string[];
}

// The run in progress. Runs of one process take turns (see runCli), so one is enough.
export let io: RunState;

/**
 * Makes the given streams, environment and arguments (the process's own where not given) the run
 * in progress; the function it returns lets go of stdout again when the run is over.
 */
export function startRun(options: Partial<CliIo>): () => void {
  const stdout = options.stdout ?? process.stdout;
  let gone!: () => void;
  const state: RunState = {
    argv: options.argv ?? process.argv,
    env: options.env ?? process.env,
    stdout,
    stderr: options.stderr ?? process.stderr,
    stdin: options.stdin ?? process.stdin,
    stdoutGone: false,
    stdoutClosed: new Promise<void>((resolve) => (gone = resolve)),
    envFiles: [],
  };
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
    state.stdoutGone = true;
    gone();
  };
  stdout.on("error", onError);
  io = state;
  return () => void stdout.removeListener("error", onError);
}

// stdout is where results go. A reader may be slow (everything queued must reach it: the process
// ends by itself once stdout is drained, never by process.exit) or may go away (| head): then the
// run stops quietly, keeping what the cache holds.
export function isStdoutClosed(): boolean {
  return io.stdoutGone;
}

export function writeStdout(text: string): void {
  if (!io.stdoutGone) io.stdout.write(text);
}

/** One line for the terminal: control characters (a newline or escape in a file name, say) shown escaped. */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === "\t" ? " " : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
}

/** One line on stderr, made terminal-safe. */
export function say(line: string) {
  io.stderr.write(terminalSafe(line) + "\n");
}
