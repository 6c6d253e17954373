import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // `import ... from "newsdesk"` in a test means the source: the package's exports point at the
  // compiled dist/, which may be missing or stale in a checkout (test/package.test.ts tests that).
  resolve: { alias: [{ find: /^newsdesk$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) }] },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests start their own servers and child processes; two cores here.
    pool: "forks",
    // Most test files wait on sockets and timers, not the CPU: three at once on two cores took the
    // suite from 85 s to 40-49 s here, stable over repeated runs (the default is cores - 1 = 1).
    maxWorkers: 3,
  },
});
