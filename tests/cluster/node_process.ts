/**
 * A gateway node as a real process for the cluster tests (issue 10): gateway/main.ts run with the
 * exact `--allow-*` flags of the `start` task (so the tests prove they suffice for a Redis store),
 * ports 0 on 127.0.0.1, waiting (bounded) for its `listening coap=N coaps=N http=N` line. Its
 * stderr is kept for failure messages; `kill` sends SIGKILL (a crash), `stop` SIGTERM.
 */

const root = new URL("../../", import.meta.url);

async function startPermissions(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  return (config.tasks.start as string).split(/\s+/).map((t) => t.replaceAll("'", ""))
    .filter((t) => t.startsWith("--allow"));
}

export interface NodeProcess {
  pid: number;
  coap: number;
  http: number;
  stderr(): string;
  /** GET/POST... against this node's HTTP API. */
  api(path: string, init?: RequestInit): Promise<Response>;
  kill(): Promise<void>;
  stop(): Promise<Deno.CommandStatus>;
}

export async function startNode(store: string, extra: string[] = []): Promise<NodeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...await startPermissions(),
      "gateway/main.ts",
      "--host",
      "127.0.0.1",
      "--coap-port",
      "0",
      "--coaps-port",
      "off",
      "--http-port",
      "0",
      "--store",
      store,
      ...extra,
    ],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let err = "";
  const errDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (err += chunk) }),
  );
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 30_000);
  while (!out.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    out += value;
  }
  clearTimeout(watchdog);
  const drain = (async () => {
    while (!(await lines.read()).done) { /* nothing more on stdout */ }
  })();
  const m = out.match(/^listening coap=(\d+) coaps=(?:\d+|off) http=(\d+)/);
  if (!m) {
    child.kill("SIGKILL");
    await child.status;
    await Promise.all([drain, errDone]);
    throw new Error(`node did not start: ${JSON.stringify(out)}\n${err}`);
  }
  const http = Number(m[2]);
  let ended: Promise<Deno.CommandStatus> | null = null;
  const end = (signal: Deno.Signal) =>
    ended ??= (async () => {
      try {
        child.kill(signal);
      } catch { /* already exited */ }
      const status = await child.status;
      await Promise.all([drain, errDone]);
      return status;
    })();
  return {
    pid: child.pid,
    coap: Number(m[1]),
    http,
    stderr: () => err,
    api: (path, init) => fetch(`http://127.0.0.1:${http}${path}`, init),
    kill: async () => void await end("SIGKILL"),
    stop: () => end("SIGTERM"),
  };
}
