/**
 * Gateway metrics in the Prometheus text exposition format (version 0.0.4), served by
 * gateway/http at `GET /metrics`. Plain counters and gauges; the clock is injected.
 */

/** Counters the shell increments; read by the renderer. */
export interface GatewayMetrics {
  readonly startedAtMs: number;
  coapDatagramsReceived: number;
  coapBytesReceived: number;
  coapDatagramsUndecodable: number;
  /** Open SSE and WebSocket consumers of /api/events and /api/ws. */
  eventConsumers: number;
  /** Events handed to SSE/WebSocket consumers. */
  eventsDelivered: number;
  /** Events dropped from full consumer buffers (DESIGN.md §6: oldest dropped). */
  eventsDropped: number;
  /** LwM2M requests by `operation|result`: count and summed latency. */
  readonly requests: Map<string, { count: number; sumMs: number }>;
  recordRequest(operation: string, result: string, latencyMs: number): void;
  /** Labelled values read at render time (registrations, queue depths, drops, consumers...). */
  gauges: () => {
    name: string;
    type: "counter" | "gauge";
    help: string;
    labels?: Record<string, string>;
    value: number;
  }[];
}

export function createMetrics(startedAtMs: number): GatewayMetrics {
  const requests = new Map<string, { count: number; sumMs: number }>();
  return {
    startedAtMs,
    coapDatagramsReceived: 0,
    coapBytesReceived: 0,
    coapDatagramsUndecodable: 0,
    eventConsumers: 0,
    eventsDelivered: 0,
    eventsDropped: 0,
    requests,
    recordRequest(operation, result, latencyMs) {
      const key = `${operation}|${result}`;
      const entry = requests.get(key) ?? { count: 0, sumMs: 0 };
      entry.count++;
      entry.sumMs += latencyMs;
      requests.set(key, entry);
    },
    gauges: () => [],
  };
}

function labelText(labels: Record<string, string> | undefined): string {
  if (!labels || Object.keys(labels).length === 0) return "";
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${v.replace(/["\\\n]/g, (c) => c === "\n" ? "\\n" : "\\" + c)}"`
  );
  return `{${parts.join(",")}}`;
}

/** Content type of the text format (Prometheus exposition format 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Renders every metric with its HELP and TYPE lines. */
export function renderMetrics(m: GatewayMetrics, nowMs: number): string {
  const lines: string[] = [];
  const metric = (name: string, type: "counter" | "gauge", help: string, value: number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  };
  metric(
    "lwm2m_process_uptime_seconds",
    "gauge",
    "Seconds since the gateway started.",
    Math.max(0, (nowMs - m.startedAtMs) / 1000),
  );
  metric(
    "process_start_time_seconds",
    "gauge",
    "Start time of the process since the Unix epoch in seconds.",
    m.startedAtMs / 1000,
  );
  metric(
    "lwm2m_coap_datagrams_received_total",
    "counter",
    "UDP datagrams received on the CoAP socket.",
    m.coapDatagramsReceived,
  );
  metric(
    "lwm2m_coap_bytes_received_total",
    "counter",
    "Bytes received on the CoAP socket.",
    m.coapBytesReceived,
  );
  metric(
    "lwm2m_coap_datagrams_undecodable_total",
    "counter",
    "CoAP datagrams the codec rejected (RFC 7252 §3 format errors).",
    m.coapDatagramsUndecodable,
  );
  metric(
    "lwm2m_event_consumers",
    "gauge",
    "Open event stream consumers (GET /api/events and /api/ws).",
    m.eventConsumers,
  );
  metric(
    "lwm2m_events_delivered_total",
    "counter",
    "Events handed to event stream consumers.",
    m.eventsDelivered,
  );
  metric(
    "lwm2m_events_dropped_total",
    "counter",
    "Events dropped because a consumer's buffer was full.",
    m.eventsDropped,
  );
  lines.push(
    "# HELP lwm2m_requests_total LwM2M operations sent to devices, by operation and result.",
    "# TYPE lwm2m_requests_total counter",
  );
  for (const [key, v] of m.requests) {
    const [operation, result] = key.split("|");
    lines.push(`lwm2m_requests_total${labelText({ operation, result })} ${v.count}`);
  }
  lines.push(
    "# HELP lwm2m_request_duration_seconds_sum Summed latency of LwM2M operations.",
    "# TYPE lwm2m_request_duration_seconds_sum counter",
  );
  for (const [key, v] of m.requests) {
    const [operation, result] = key.split("|");
    lines.push(
      `lwm2m_request_duration_seconds_sum${labelText({ operation, result })} ${v.sumMs / 1000}`,
    );
  }
  const declared = new Set<string>();
  for (const g of m.gauges()) {
    if (!declared.has(g.name)) {
      declared.add(g.name);
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} ${g.type}`);
    }
    lines.push(`${g.name}${labelText(g.labels)} ${g.value}`);
  }
  return lines.join("\n") + "\n";
}
