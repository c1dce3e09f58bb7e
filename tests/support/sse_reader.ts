/**
 * A Server-Sent Events reader for tests (WHATWG HTML §9.2.6 framing: blocks separated by a blank
 * line; `event:`, `id:`, `data:` fields; lines starting with `:` are comments). Reads a fetch or
 * `app.request()` body with bounded waits: every `next*` call has a deadline and throws after it.
 */

export interface SseBlock {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
  comments: string[];
}

export interface SseEvent {
  type: string;
  id: string;
  data: Record<string, unknown>;
}

export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #pending: Promise<ReadableStreamReadResult<string>> | null = null;
  #done = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.pipeThrough(new TextDecoderStream()).getReader();
  }

  get done(): boolean {
    return this.#done;
  }

  /** The next block (event or comment-only), or null when the stream ended. */
  async nextBlock(timeoutMs = 5000): Promise<SseBlock | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.#buffer.indexOf("\n\n");
      if (end >= 0) {
        const text = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        return parseBlock(text);
      }
      if (this.#done) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for an SSE block");
      this.#pending ??= this.#reader.read();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left));
      const result = await Promise.race([this.#pending, timeout]);
      clearTimeout(timer);
      if (result === "timeout") throw new Error("timed out waiting for an SSE block");
      this.#pending = null;
      if (result.done) this.#done = true;
      else this.#buffer += result.value;
    }
  }

  /** The next block with an `event:` field (comments skipped), parsed. */
  async nextEvent(timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const block = await this.nextBlock(Math.max(1, deadline - Date.now()));
      if (block === null) throw new Error("the SSE stream ended");
      if (block.event !== undefined) {
        return { type: block.event, id: block.id ?? "", data: JSON.parse(block.data ?? "null") };
      }
    }
  }

  /** Events until one of `type` (inclusive), skipping comments. */
  async until(type: string, timeoutMs = 5000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    const seen: SseEvent[] = [];
    for (;;) {
      const e = await this.nextEvent(Math.max(1, deadline - Date.now()));
      seen.push(e);
      if (e.type === type) return seen;
    }
  }

  /** Cancels the stream (the server sees a disconnect). */
  async close(): Promise<void> {
    this.#done = true;
    await this.#reader.cancel().catch(() => {});
  }
}

function parseBlock(text: string): SseBlock {
  const block: SseBlock = { comments: [] };
  for (const line of text.split("\n")) {
    if (line.startsWith(":")) {
      block.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event" || field === "id" || field === "retry") block[field] = value;
    else if (field === "data") {
      block.data = block.data === undefined ? value : `${block.data}\n${value}`;
    }
  }
  return block;
}
