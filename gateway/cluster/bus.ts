/**
 * The cluster bus (issue 10): Redis pub/sub between gateway nodes. Channel `P:cluster` carries
 * broadcasts (events, store changes, ownership, questions to all), `P:node:ID` one node's direct
 * messages: requests, their immediate `ack` (the node is alive and working on it) and the answer.
 * All of a node's publishes go through one connection, so every node receives them in the order
 * they were made. Each wait is bounded; a missing ack within ackTimeoutMs reads as "not there".
 */

import { decodeDocument, encodeDocument } from "../store/codec.ts";
import type { RedisLink } from "../store/redis_link.ts";
import type { Broadcast, Direct } from "./wire.ts";

export type Reply =
  | { kind: "answer"; answer: unknown }
  | { kind: "error"; message: string }
  | { kind: "noAck" }
  | { kind: "timeout" };

interface Pending {
  settle(reply: Reply): void;
  acked(): void;
}

type DirectBody<K extends Direct["k"]> = Omit<Extract<Direct, { k: K }>, "k" | "from">;
type WithoutFrom<T> = T extends unknown ? Omit<T, "from"> : never;
type BroadcastBody = WithoutFrom<Broadcast>;

export class ClusterBus {
  readonly nodeId: string;
  readonly #link: RedisLink;
  readonly #prefix: string;
  readonly #pending = new Map<string, Pending>();
  readonly #onError: (message: string) => void;
  #nextId = 1;
  #onBroadcast: (message: Broadcast) => void = () => {};
  #onRequest: (request: unknown, timeoutMs: number) => Promise<unknown> = () =>
    Promise.reject(new Error("node is starting"));
  #closed = false;

  constructor(link: RedisLink, prefix: string, nodeId: string, onError: (m: string) => void) {
    this.#link = link;
    this.#prefix = prefix;
    this.nodeId = nodeId;
    this.#onError = onError;
  }

  #inbox(node: string): string {
    return `${this.#prefix}:node:${node}`;
  }

  /** Subscribes to the broadcast channel and this node's inbox. */
  async start(onBroadcast: (message: Broadcast) => void): Promise<void> {
    this.#onBroadcast = onBroadcast;
    await this.#link.subscribe(`${this.#prefix}:cluster`, (text) => {
      const message = this.#decode<Broadcast>(text);
      if (message && message.from !== this.nodeId) {
        this.#guard(message.k, () => this.#onBroadcast(message));
      }
    });
    await this.#link.subscribe(this.#inbox(this.nodeId), (text) => {
      const message = this.#decode<Direct>(text);
      if (message) this.#guard(message.k, () => this.#direct(message));
    });
  }

  /** Runs a message handler; a failure is reported, not thrown into the Redis client. */
  #guard(kind: string, handle: () => void): void {
    try {
      handle();
    } catch (e) {
      this.#onError(`handling a cluster "${kind}" message: ${e}`);
    }
  }

  /** Answers requests sent to this node. */
  serve(handler: (request: unknown, timeoutMs: number) => Promise<unknown>): void {
    this.#onRequest = handler;
  }

  #decode<T>(text: string): T | null {
    try {
      return decodeDocument<T>(text);
    } catch (e) {
      this.#onError(`undecodable cluster message: ${e}`);
      return null;
    }
  }

  async #publish(channel: string, message: Broadcast | Direct): Promise<void> {
    if (this.#closed) return;
    await this.#link.command(["PUBLISH", channel, encodeDocument(message)]);
  }

  broadcast(body: BroadcastBody): Promise<void> {
    return this.#publish(`${this.#prefix}:cluster`, { ...body, from: this.nodeId } as Broadcast);
  }

  #send<K extends Direct["k"]>(node: string, k: K, body: DirectBody<K>): void {
    const message = { ...body, k, from: this.nodeId } as unknown as Direct;
    this.#publish(this.#inbox(node), message).catch((e) => this.#onError(`publish: ${e}`));
  }

  #direct(message: Direct): void {
    if (message.k === "req") {
      this.#send(message.from, "ack", { id: message.id });
      this.#onRequest(message.request, message.timeoutMs).then(
        (answer) => this.#send(message.from, "res", { id: message.id, answer }),
        (e) => this.#send(message.from, "res", { id: message.id, error: String(e?.message ?? e) }),
      );
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return; // late: the caller gave up
    if (message.k === "ack") pending.acked();
    else if (message.error !== undefined) pending.settle({ kind: "error", message: message.error });
    else pending.settle({ kind: "answer", answer: message.answer });
  }

  /** Sends a request to `node` and waits for its answer (bounded by both timeouts). */
  request(node: string, request: unknown, timeoutMs: number, ackTimeoutMs: number): Promise<Reply> {
    const id = `${this.nodeId}/${this.#nextId++}`;
    return new Promise<Reply>((resolve) => {
      const timers: ReturnType<typeof setTimeout>[] = [];
      const settle = (reply: Reply) => {
        for (const timer of timers) clearTimeout(timer);
        this.#pending.delete(id);
        resolve(reply);
      };
      const ackTimer = setTimeout(() => settle({ kind: "noAck" }), ackTimeoutMs);
      timers.push(ackTimer, setTimeout(() => settle({ kind: "timeout" }), timeoutMs));
      this.#pending.set(id, { settle, acked: () => clearTimeout(ackTimer) });
      this.#publish(this.#inbox(node), { k: "req", from: this.nodeId, id, request, timeoutMs })
        .catch((e) => settle({ kind: "error", message: `publish: ${e}` }));
    });
  }

  /**
   * Asks every node (broadcast `ask`) and resolves with the first non-null answer, or null after
   * `timeoutMs` (the number of nodes is not known, so a miss always waits that long).
   */
  ask(requestId: string, timeoutMs: number): Promise<unknown> {
    const id = `${this.nodeId}/${this.#nextId++}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), timeoutMs);
      const done = (answer: unknown) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(answer);
      };
      this.#pending.set(id, {
        settle: (reply) => {
          if (reply.kind === "timeout") done(null); // closing
          else if (reply.kind === "answer" && reply.answer !== null && reply.answer !== undefined) {
            done(reply.answer);
          }
        },
        acked: () => {},
      });
      this.broadcast({ k: "ask", id, requestId }).catch(() => done(null));
    });
  }

  /** Answers an `ask` from another node. */
  answer(to: string, id: string, answer: unknown): void {
    this.#send(to, "res", { id, answer });
  }

  /** Stops: pending requests end as timeouts; nothing more is published. */
  close(): void {
    this.#closed = true;
    for (const pending of [...this.#pending.values()]) pending.settle({ kind: "timeout" });
  }
}
