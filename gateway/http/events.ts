/**
 * The event streams of the HTTP bridge (DESIGN.md §6 "Events"): `GET /api/events` as
 * Server-Sent Events (frames `event: TYPE`, `id: SEQ`, `data: JSON`; WHATWG HTML §9.2) and
 * `GET /api/ws` as a WebSocket (RFC 6455; the same JSON, one object a message), both filtered by
 * `?endpoint=a,b&type=x,y`. Each connection is an EventConsumer (event_consumer.ts) with a bounded
 * buffer; the writers pull from it only as fast as the socket drains, so a slow consumer loses
 * its oldest events (and is told so) instead of stalling the gateway.
 */

import type { Context } from "hono";
import { z } from "zod";
import type { EventFilter, EventType } from "../server/events.ts";
import type { ApiDeps } from "./api_context.ts";
import { type EventConsumer, type EventFrame, EventStreams } from "./event_consumer.ts";
import { badRequest, HttpError } from "./errors.ts";
import { route, type RouteSpec } from "./routes.ts";

/** Every event type of DESIGN.md §6, for `?type=` validation. */
export const EVENT_TYPES: readonly EventType[] = [
  "registered",
  "updated",
  "deregistered",
  "expired",
  "sleeping",
  "awake",
  "notification",
  "send",
  "requestCompleted",
  "requestExpired",
  "bootstrapStarted",
  "bootstrapStep",
  "bootstrapFinished",
  "bootstrapFailed",
  "firmwareProgress",
  "dropped",
];

/** Frames per SSE chunk / WebSocket burst: bounds the memory beyond the consumer's buffer. */
const MAX_BATCH = 512;
/**
 * A busy SSE stream is flushed at most once per this many ms, so events that arrive one per
 * datagram still leave in chunks of many (one socket write each) instead of one write per event;
 * an idle stream flushes at once, so the added latency is at most this, and only under load.
 */
const SSE_COALESCE_MS = 2;
/** WebSocket send buffer above which the writer waits for the socket to drain. */
const WS_HIGH_WATER_BYTES = 1 << 20;
const WS_DRAIN_POLL_MS = 5;
/** RFC 6455 §7.4.1: 1001 "going away" (server shutdown). */
const WS_GOING_AWAY = 1001;

export type EventDeps = ApiDeps & { eventStreams?: EventStreams };

const te = new TextEncoder();

const filterQuery = z.object({
  endpoint: z.string().optional().describe("comma-separated endpoint names (default: all)"),
  type: z.string().optional().describe(`comma-separated event types: ${EVENT_TYPES.join(", ")}`),
  access_token: z.string().optional().describe(
    "the API token, for clients that cannot set an Authorization header (browsers)",
  ),
});

function list(text: string | undefined): string[] | undefined {
  const items = text?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return items && items.length > 0 ? items : undefined;
}

/** The EventBus filter of `?endpoint=&type=` (unknown types are a 400). */
export function parseFilter(query: { endpoint?: string; type?: string }): EventFilter {
  const filter: EventFilter = {};
  const endpoints = list(query.endpoint);
  if (endpoints) filter.endpoints = new Set(endpoints);
  const types = list(query.type);
  if (types) {
    const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
    if (unknown.length > 0) {
      throw badRequest(
        `unknown event type ${unknown.join(", ")}; known: ${EVENT_TYPES.join(", ")}`,
      );
    }
    filter.types = new Set(types);
  }
  return filter;
}

/** One SSE frame; JSON text never holds a raw newline, so `data:` is one line. */
export function sseFrame(f: EventFrame): string {
  return `event: ${f.type}\nid: ${f.seq}\ndata: ${f.json}\n\n`;
}

/**
 * The SSE body: pulled by the HTTP server only when the socket takes more (highWaterMark 0), so
 * the consumer's buffer is the only queue. Idle streams get a comment every keepAliveMs.
 */
function sseBody(consumer: EventConsumer, streams: EventStreams): ReadableStream<Uint8Array> {
  let sentSinceTick = true;
  const timer = setInterval(() => {
    if (!sentSinceTick) consumer.nudge();
    sentSinceTick = false;
  }, streams.keepAliveMs);
  const previousOnClose = consumer.onClose;
  consumer.onClose = () => {
    clearInterval(timer);
    previousOnClose();
  };
  let lastFlushMs = -Infinity;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      // The retry hint, and a first chunk so clients see the stream open at once.
      controller.enqueue(te.encode("retry: 2000\n: connected\n\n"));
    },
    async pull(controller) {
      for (;;) {
        const sinceFlush = performance.now() - lastFlushMs;
        if (sinceFlush < SSE_COALESCE_MS && consumer.size < MAX_BATCH) {
          await new Promise((resolve) => setTimeout(resolve, SSE_COALESCE_MS - sinceFlush));
        }
        const frames = consumer.take(MAX_BATCH);
        if (frames.length > 0) {
          let text = "";
          for (const f of frames) text += sseFrame(f);
          controller.enqueue(te.encode(text));
          streams.delivered(frames.length);
          sentSinceTick = true;
          lastFlushMs = performance.now();
          return;
        }
        const state = await consumer.wait();
        if (state === "closed") {
          controller.close();
          return;
        }
        if (state === "nudged") {
          controller.enqueue(te.encode(": keep-alive\n\n"));
          return;
        }
      }
    },
    cancel() {
      consumer.close();
    },
  }, { highWaterMark: 0 });
}

function sseResponse(streams: EventStreams, filter: EventFilter): Response {
  // A disconnect cancels the body stream, which closes the consumer (no request.signal: Deno
  // aborts it on completed responses too, and warns about relying on it).
  const consumer = streams.open(filter);
  return new Response(sseBody(consumer, streams), {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}

/** Writes the consumer's frames to the socket, waiting while its send buffer is over 1 MiB. */
async function wsWriter(socket: WebSocket, consumer: EventConsumer, streams: EventStreams) {
  const open = () => socket.readyState === WebSocket.OPEN && !consumer.closed;
  while (open()) {
    const frames = consumer.take(MAX_BATCH);
    if (frames.length === 0) {
      await consumer.wait();
      continue;
    }
    for (const f of frames) socket.send(f.json);
    streams.delivered(frames.length);
    while (open() && socket.bufferedAmount > WS_HIGH_WATER_BYTES) {
      await new Promise((resolve) => setTimeout(resolve, WS_DRAIN_POLL_MS));
    }
  }
  if (consumer.closed && socket.readyState === WebSocket.OPEN) {
    socket.close(WS_GOING_AWAY, "event stream closed");
  }
}

function wsResponse(c: Context, streams: EventStreams, filter: EventFilter): Response {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new HttpError(426, "bad_request", "GET /api/ws needs a WebSocket upgrade request");
  }
  const { socket, response } = Deno.upgradeWebSocket(c.req.raw);
  // Subscribed now, so events between the upgrade and `open` are buffered, not lost.
  const consumer = streams.open(filter);
  socket.onopen = () => void wsWriter(socket, consumer, streams).catch(() => consumer.close());
  socket.onclose = () => consumer.close();
  socket.onerror = () => consumer.close();
  return response;
}

export function eventRoutes(deps: EventDeps): RouteSpec[] {
  const streams = deps.eventStreams ?? new EventStreams(deps);
  const description = "Filters: `?endpoint=a,b&type=x,y`. Each consumer buffers up to " +
    `${
      streams.bufferEvents.toLocaleString("en-US")
    } events; when full the oldest are dropped and a \`dropped\` event ` +
    "with `count`, `firstSeq` and `lastSeq` comes next.";
  return [
    route<z.infer<typeof filterQuery>>({
      method: "get",
      path: "/api/events",
      openapiPath: "/api/events",
      tag: "events",
      summary: "Event stream (Server-Sent Events: event: TYPE, id: SEQ, data: JSON)",
      description,
      query: filterQuery,
      responses: {
        200: {
          description: "an endless text/event-stream",
          contentType: "text/event-stream",
          schema: z.string(),
        },
        400: { description: "unknown event type" },
        401: { description: "no or wrong token" },
      },
      handler: (_c, { query }) => sseResponse(streams, parseFilter(query)),
    }),
    route<z.infer<typeof filterQuery>>({
      method: "get",
      path: "/api/ws",
      openapiPath: "/api/ws",
      tag: "events",
      summary: "Event stream over WebSocket (one JSON event a message)",
      description,
      query: filterQuery,
      responses: {
        101: { description: "switching to the WebSocket protocol" },
        400: { description: "unknown event type" },
        401: { description: "no or wrong token" },
        426: { description: "not a WebSocket upgrade request" },
      },
      handler: (c, { query }) => wsResponse(c, streams, parseFilter(query)),
    }),
  ];
}
