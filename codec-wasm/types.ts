/**
 * Public value types of the codec host API (codec-wasm/mod.ts).
 * CoAP message shape after RFC 7252 §3; TLV entry shape after LwM2M Core §7.4.3 (TLV).
 * Browser-safe: no Deno.*, no Node APIs.
 */

/** CoAP message type (RFC 7252 §3): 0 CON, 1 NON, 2 ACK, 3 RST. */
export type CoapType = 0 | 1 | 2 | 3;

/** One CoAP option; `value` is a subarray of the decoded bytes (never wasm memory). */
export interface CoapOption {
  number: number;
  value: Uint8Array;
}

/** A decoded or to-be-encoded CoAP message. `code` is class*32+detail (2.05 -> 69). */
export interface CoapMessage {
  type: CoapType;
  code: number;
  messageId: number;
  token: Uint8Array;
  /** Ascending by number; repeated options keep their order. */
  options: CoapOption[];
  payload: Uint8Array;
}

/** The four TLV identifier kinds (LwM2M TLV type byte bits 7-6). */
export type TlvKind =
  | "objectInstance"
  | "resourceInstance"
  | "multipleResource"
  | "resource";

/** One TLV entry: containers (objectInstance, multipleResource) have `children`, the rest `value`. */
export interface TlvEntry {
  kind: TlvKind;
  id: number;
  value?: Uint8Array;
  children?: TlvEntry[];
}
