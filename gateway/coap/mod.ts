/**
 * The sans-IO CoAP core (RFC 7252 message and exchange layers, RFC 7641 Observe, RFC 7959
 * block-wise): state in, effects out. gateway/coap_engine.ts is the shell that runs it on sockets.
 */

export * from "./state.ts";
export * from "./params.ts";
export { receive, tick } from "./receive.ts";
export { cancelRequest, type RequestOptions, restoreObservation, sendRequest } from "./client.ts";
export { notify, removeObserver, respond } from "./server.ts";
export * from "./wire.ts";
