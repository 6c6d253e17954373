// A local web server for URL and feed tests: routes set per test, every request logged.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export interface WebServer {
  url: string;
  /** Every request: method, path and headers. */
  requests: { path: string; headers: http.IncomingHttpHeaders; status?: number }[];
  route(path: string, handler: Route): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startWebServer(): Promise<WebServer> {
  const routes = new Map<string, Route>();
  const requests: WebServer["requests"] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer(async (req, res) => {
    const path = req.url ?? "/";
    const entry: WebServer["requests"][number] = { path, headers: req.headers };
    requests.push(entry);
    res.on("finish", () => (entry.status = res.statusCode));
    const handler = routes.get(path.split("?")[0]!);
    if (!handler) {
      res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
      res.end("<html><body><h1>404 Not Found</h1></body></html>");
      return;
    }
    try {
      await handler(req, res);
    } catch {
      res.destroy();
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route: (path, handler) => void routes.set(path, handler),
    reset: () => {
      routes.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A plain 200 answer. */
export function serve(body: string | Buffer, contentType = "text/html; charset=utf-8", headers: Record<string, string> = {}): Route {
  return (_req, res) => {
    res.writeHead(200, { "content-type": contentType, ...headers });
    res.end(body);
  };
}

const TOPICS = [
  ["Basel", "tram line", "the new tram line to the border was opened by the city council"],
  ["Zurich", "library", "the central library reopened after two years of renovation work"],
  ["Bern", "bridge", "the footbridge over the river was closed for safety checks"],
  ["Lucerne", "festival", "the summer music festival sold more tickets than ever before"],
  ["Geneva", "harbour", "the old harbour wall was repaired after the spring storms"],
];

/** A news page in the layout sites use: navigation, an article with a headline and paragraphs, a footer. */
export function storyPage(n: number, options: { lang?: string; date?: string; title?: string } = {}): string {
  const [city, thing, what] = TOPICS[n % TOPICS.length]!;
  const title = options.title ?? `Story ${n}: ${city} ${thing} news number ${n}`;
  const paragraphs = [
    `In ${city}, ${what}, officials said on the morning of day ${n}, after a long meeting with residents.`,
    `The project number ${n} cost more than the planners had expected, and the canton paid about half of it.`,
    `Residents welcomed the decision but asked for better information about the timetable and the costs.`,
    `A spokesperson said further work would follow next year, depending on the budget and the weather in ${city}.`,
  ];
  return `<!doctype html><html lang="${options.lang ?? "en"}"><head><meta charset="utf-8"><title>${title} - Example News</title>${
    options.date ? `<meta property="article:published_time" content="${options.date}">` : ""
  }</head><body><nav><a href="/">Home</a><a href="/news">News</a></nav><main><article><h1>${title}</h1>${paragraphs
    .map((p) => `<p>${p}</p>`)
    .join("\n")}</article></main><footer>Example News</footer></body></html>`;
}

/** Paragraph HTML for an item that carries its own content. */
export function storyContent(n: number): string {
  return storyPage(n).replace(/^[\s\S]*<h1>[^<]*<\/h1>/, "").replace(/<\/article>[\s\S]*$/, "");
}
