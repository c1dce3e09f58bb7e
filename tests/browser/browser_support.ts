/**
 * Shared parts of the UI browser tests: Debian's headless Chromium through playwright-core (the
 * DESIGN.md §7 flags; skipped visibly when /usr/bin/chromium is missing), a page that may only
 * reach 127.0.0.1 (every other request is aborted and recorded: nothing may come from a CDN),
 * page errors and console errors collected, and screenshots saved under test-artifacts/ (git-
 * ignored) for a person to look at. Not a test file.
 */

import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's chromium package; the CHROMIUM_PATH env var overrides it. */
export const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);

export const haveChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

/** Prints the visible skip line once per test file. */
export function warnIfSkipped(file: string): void {
  if (!haveChromium) {
    console.warn(`SKIPPED ${file}: ${CHROMIUM} not found (apt-get install chromium)`);
  }
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Non-loopback URLs the page tried to load (must stay empty). */
  blocked: string[];
  /** Uncaught page errors and console errors. */
  errors: string[];
  /** Saves test-artifacts/NAME (the whole page unless `fullPage` is false). */
  screenshot(name: string, fullPage?: boolean): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  const dir = await Deno.makeTempDir({ prefix: "ui_browser_" });
  const context = await chromium.launchPersistentContext(`${dir}/profile`, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? await context.newPage();
  const blocked: string[] = [];
  const errors: string[] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1") return route.continue();
    blocked.push(url.href);
    return route.abort();
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // A refused resource (e.g. the 401 the token prompt answers) logs a console error by design.
    if (m.type() === "error" && !/status of 40[14]/.test(m.text())) {
      errors.push(`console: ${m.text()}`);
    }
  });
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  return {
    context,
    page,
    blocked,
    errors,
    async screenshot(name, fullPage = true) {
      const path = decodeURIComponent(new URL(name, ARTIFACTS).pathname);
      await page.screenshot({ path, fullPage });
      return path;
    },
    async close() {
      await context.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Waits until `selector` matches exactly `n` elements. */
export async function waitCount(
  page: Page,
  selector: string,
  n: number,
  timeoutMs = 10_000,
): Promise<void> {
  // Polled from here: a string predicate would be an eval, which the pages' CSP forbids.
  const deadline = Date.now() + timeoutMs;
  let count = -1;
  while ((count = await page.locator(selector).count()) !== n) {
    if (Date.now() > deadline) throw new Error(`timed out: ${count} of ${selector}, wanted ${n}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the text of `selector` equals `expected` (a string) or matches it (a RegExp). */
export async function waitText(
  page: Page,
  selector: string,
  expected: string | RegExp,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = null;
  let failure = "";
  for (;;) {
    last = await page.textContent(selector, { timeout: Math.max(1, deadline - Date.now()) })
      .catch((e) => {
        failure = ` (${e instanceof Error ? e.message.split("\n")[0] : e})`;
        return null;
      });
    if (last !== null && (typeof expected === "string" ? last === expected : expected.test(last))) {
      return last;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out: ${selector} has text ${JSON.stringify(last)}, wanted ${expected}${failure}`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface TcpProxy {
  /** http://127.0.0.1:PORT: the gateway's HTTP port as the browser sees it. */
  base: string;
  /** Cuts every open connection (the browser sees a network failure; new ones still work). */
  dropAll(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy to `port`, so a test can cut the browser's connections (event streams). */
export function tcpProxy(port: number): TcpProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const pipes: Promise<unknown>[] = [];
  const track = (c: Deno.Conn) => {
    open.add(c);
    return c;
  };
  const shut = (c: Deno.Conn) => {
    open.delete(c);
    try {
      c.close();
    } catch { /* already closed */ }
  };
  const accepting = (async () => {
    for await (const client of listener) {
      track(client);
      const upstream = await Deno.connect({ hostname: "127.0.0.1", port }).catch(() => null);
      if (!upstream) {
        shut(client);
        continue;
      }
      track(upstream);
      const pipe = (from: Deno.Conn, to: Deno.Conn) =>
        from.readable.pipeTo(to.writable).catch(() => {}).finally(() => {
          shut(from);
          shut(to);
        });
      pipes.push(pipe(client, upstream), pipe(upstream, client));
    }
  })().catch(() => {});
  return {
    base: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    dropAll() {
      for (const c of [...open]) shut(c);
    },
    async close() {
      listener.close();
      for (const c of [...open]) shut(c);
      await accepting;
      await Promise.all(pipes);
    },
  };
}

/**
 * Serves `page` at / and `assets` (path -> body and content type) on 127.0.0.1, opens it in
 * headless Chromium, and resolves with the JSON the page POSTs to /result (bounded: 30 s). The
 * page's console lines come back too, for failure messages.
 */
export async function runPage(
  page: string,
  assets: Record<string, { body: BodyInit; type: string }>,
): Promise<{ result: Record<string, unknown>; console: string[] }> {
  const { promise: result, resolve } = Promise.withResolvers<Record<string, unknown>>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/") return new Response(page, { headers: { "content-type": "text/html" } });
    const asset = assets[path];
    if (asset) return new Response(asset.body, { headers: { "content-type": asset.type } });
    if (path === "/result" && req.method === "POST") {
      resolve(await req.json());
      return new Response("ok");
    }
    return new Response("not found", { status: 404 });
  });
  const browser = await openBrowser();
  const lines: string[] = [];
  try {
    browser.page.on("console", (msg) => lines.push(`${msg.type()}: ${msg.text()}`));
    await browser.page.goto(`http://127.0.0.1:${server.addr.port}/`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no result from the page in 30 s")), 30_000);
    });
    const r = await Promise.race([result, timeout]).finally(() => clearTimeout(timer));
    return { result: r, console: [...lines, ...browser.errors] };
  } finally {
    await browser.close();
    await server.shutdown();
  }
}
