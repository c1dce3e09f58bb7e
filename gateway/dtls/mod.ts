/**
 * The sans-IO DTLS 1.2 core (RFC 6347 with PSK suites, RFC 9146 CIDs; docs/dtls.md): server and
 * client endpoints as plain functions over state that return effects, with the clock and the
 * random source injected. Shells: gateway/transport/dtls.ts (server), dtls_client.ts (client).
 */

export * from "./types.ts";
export * from "./server.ts";
export * from "./client.ts";
export { exportSession, importSession, type StoredDtlsSession } from "./session_state.ts";
export { fromHex, toHex } from "./bytes.ts";
