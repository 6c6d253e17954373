// The article reader's error (InputError, in core/errors.ts with every other class) and the wording of its problems.

export { InputError } from "../core/errors.ts";

/** "7.2 MB", "5 MB", "2.5 KB", "900 bytes". */
export function formatSize(bytes: number): string {
  const one = (n: number) => n.toFixed(1).replace(/\.0$/, "");
  if (bytes >= 1024 * 1024) return `${one(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024) return `${one(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** The problem text for a file (or line) over the size limit. */
export function tooBigProblem(size: number, limit: number, what = "file"): string {
  let a = formatSize(size);
  const b = formatSize(limit);
  if (a === b) a = `${size} bytes`;
  return `${what} is ${a}, over the ${b} limit (--max-bytes)`;
}

/** A short problem text for a failed fs call. */
export function fsProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "not a directory";
    case "ELOOP":
      return "too many symbolic links";
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return `cannot read (${code ?? message})`;
    }
  }
}
