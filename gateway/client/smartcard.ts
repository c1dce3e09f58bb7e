/**
 * Smartcard bootstrap, modelled as a file (LwM2M Core §5.2.4 "Bootstrap from Smartcard", second
 * in the spec's order of precedence after the factory data): the card's bootstrap message is the
 * objects it would carry in LwM2M TLV. TLV cannot name an object, so the file is a sequence of
 * records `objectId (u16, big-endian) | length (u32, big-endian) | TLV of that object's
 * Object-Instance entries`, exactly what a Bootstrap-Write of /objectId would carry. The client
 * reads it at every start, applies it over the factory data, and — since it rebuilds from the
 * factory data at every start — the objects it provided are gone once the file is. Pure.
 */

import type { Codec } from "../../codec-wasm/mod.ts";
import type { ModelRegistry } from "../../objects/model.ts";
import {
  CONTENT_FORMAT_TLV,
  ContentError,
  decodeContent,
  encodeContent,
} from "../lwm2m/content/mod.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { Lwm2mValues } from "../lwm2m/values.ts";
import type { InstanceSpec } from "./factory.ts";
import { putFlat } from "./store.ts";
import { groupByInstance } from "./dm_write.ts";

export class SmartcardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SmartcardError";
  }
}

const RECORD_HEADER = 6;

/** The instances a card file carries (throws SmartcardError on a malformed file). */
export function decodeSmartcard(
  bytes: Uint8Array,
  models: ModelRegistry,
  codec: Codec,
): InstanceSpec[] {
  const out: InstanceSpec[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < RECORD_HEADER) {
      throw new SmartcardError(`truncated record header at byte ${at}`);
    }
    const objectId = view.getUint16(at);
    const length = view.getUint32(at + 2);
    at += RECORD_HEADER;
    if (length > bytes.length - at) {
      throw new SmartcardError(`record of object ${objectId} is truncated`);
    }
    let values: Lwm2mValues;
    try {
      values = decodeContent(
        CONTENT_FORMAT_TLV,
        bytes.subarray(at, at + length),
        new Lwm2mPath([objectId]),
        models,
        codec,
      );
    } catch (e) {
      if (e instanceof ContentError || e instanceof RangeError) {
        throw new SmartcardError(`object ${objectId}: ${(e as Error).message}`);
      }
      throw e;
    }
    at += length;
    const tree = codec.decodeTlv(bytes.subarray(at - length, at));
    for (const entry of tree) {
      if (entry.kind !== "objectInstance") {
        throw new SmartcardError(`object ${objectId}: expected Object-Instance TLVs`);
      }
      if (!out.some((s) => s.objectId === objectId && s.instanceId === entry.id)) {
        out.push({ objectId, instanceId: entry.id, values: new Map() });
      }
    }
    for (const g of groupByInstance(values).values()) {
      const spec = out.find((s) => s.objectId === g.o && s.instanceId === g.i)!;
      for (const [r, v] of g.values) spec.values.set(r, v.multi ?? v.single!);
    }
  }
  return out;
}

/** A card file for instances (tests, tooling). */
export function encodeSmartcard(
  instances: readonly InstanceSpec[],
  models: ModelRegistry,
  codec: Codec,
): Uint8Array {
  const byObject = new Map<number, Lwm2mValues>();
  for (const s of instances) {
    let flat = byObject.get(s.objectId);
    if (!flat) byObject.set(s.objectId, flat = new Map());
    for (const [r, v] of s.values) putFlat(flat, s.objectId, s.instanceId, r, v);
  }
  const parts: Uint8Array[] = [];
  for (const [objectId, flat] of byObject) {
    const tlv = encodeContent(CONTENT_FORMAT_TLV, flat, new Lwm2mPath([objectId]), models, codec);
    const head = new Uint8Array(RECORD_HEADER);
    const view = new DataView(head.buffer);
    view.setUint16(0, objectId);
    view.setUint32(2, tlv.length);
    parts.push(head, tlv);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
