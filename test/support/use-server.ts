import { afterAll, beforeAll, beforeEach } from "vitest";
import { startOpenAIServer, type ServerOptions, type TestServer } from "./openai-server.ts";
import { fakeModel } from "./fake-model.ts";

/**
 * The server for one test file: started before its tests, closed after them, and between tests
 * its request log cleared and the default handler (or `options.handler`) back in place.
 */
export function useOpenAIServer(options: ServerOptions = {}): TestServer {
  let current: TestServer | undefined;
  beforeAll(async () => {
    current = await startOpenAIServer(options);
  });
  afterAll(() => current?.close());
  beforeEach(() => {
    current!.requests.length = 0;
    current!.setHandler(options.handler ?? fakeModel);
  });
  return new Proxy({} as TestServer, {
    get(_target, key) {
      if (!current) throw new Error("the test server is not started yet (use it inside a test)");
      const value = current[key as keyof TestServer];
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
}
