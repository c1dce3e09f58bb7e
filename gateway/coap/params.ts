/**
 * CoAP transmission parameters (RFC 7252 §4.8, §4.8.2) with their derived times, and the limits of
 * the block-wise layer (RFC 7959). Every number is configurable; the defaults are the RFC's.
 */

export interface CoapParams {
  ackTimeoutMs: number;
  ackRandomFactor: number;
  maxRetransmit: number;
  /** Outstanding CON requests per peer (RFC 7252 §4.7); more are queued per peer. */
  nstart: number;
  maxLatencyMs: number;
  /** How long an incoming request may wait for its handler before an empty ACK goes out. */
  separateResponseAfterMs: number;
  /** Default time an outgoing request waits for its (final) response. */
  requestTimeoutMs: number;
  /** Preferred block size exponent (size = 2^(szx+4); 6 = 1024 bytes). */
  blockSzx: number;
  /** Largest request or response body assembled from blocks (4.13 beyond it). */
  maxBodyBytes: number;
  /** Token length for outgoing requests (1-8 bytes). */
  tokenLength: number;
  /**
   * Most remembered message ids (RFC 7252 §4.5 dedup, kept EXCHANGE_LIFETIME). Beyond it the
   * oldest are forgotten early (counted), which bounds memory under floods.
   */
  maxDedupEntries: number;
}

export const DEFAULT_PARAMS: Readonly<CoapParams> = {
  ackTimeoutMs: 2000,
  ackRandomFactor: 1.5,
  maxRetransmit: 4,
  nstart: 1,
  maxLatencyMs: 100_000,
  separateResponseAfterMs: 1000,
  requestTimeoutMs: 93_000,
  blockSzx: 6,
  maxBodyBytes: 16 * 1024 * 1024,
  tokenLength: 8,
  maxDedupEntries: 1_000_000,
};

/** MAX_TRANSMIT_SPAN = ACK_TIMEOUT * (2^MAX_RETRANSMIT - 1) * ACK_RANDOM_FACTOR (45 s). */
export function maxTransmitSpanMs(p: CoapParams): number {
  return p.ackTimeoutMs * (2 ** p.maxRetransmit - 1) * p.ackRandomFactor;
}

/** MAX_TRANSMIT_WAIT = ACK_TIMEOUT * (2^(MAX_RETRANSMIT+1) - 1) * ACK_RANDOM_FACTOR (93 s). */
export function maxTransmitWaitMs(p: CoapParams): number {
  return p.ackTimeoutMs * (2 ** (p.maxRetransmit + 1) - 1) * p.ackRandomFactor;
}

/** EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN + 2 * MAX_LATENCY + PROCESSING_DELAY (247 s). */
export function exchangeLifetimeMs(p: CoapParams): number {
  return maxTransmitSpanMs(p) + 2 * p.maxLatencyMs + p.ackTimeoutMs;
}

/** NON_LIFETIME = MAX_TRANSMIT_SPAN + MAX_LATENCY (145 s). */
export function nonLifetimeMs(p: CoapParams): number {
  return maxTransmitSpanMs(p) + p.maxLatencyMs;
}

/** The 24-bit Observe sequence space and the 128 s freshness window (RFC 7641 §3.4). */
export const OBSERVE_SEQUENCE_MODULO = 1 << 24;
export const OBSERVE_FRESHNESS_MS = 128_000;
