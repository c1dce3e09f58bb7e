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
}

export function createMetrics(startedAtMs: number): GatewayMetrics {
  return {
    startedAtMs,
    coapDatagramsReceived: 0,
    coapBytesReceived: 0,
    coapDatagramsUndecodable: 0,
  };
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
  return lines.join("\n") + "\n";
}
