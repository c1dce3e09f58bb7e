/**
 * LwM2M CBOR (Content-Format 11544, LwM2M 1.2 Core §7.4.7; spec digest data-formats.md §5): a CBOR
 * map (definite or indefinite) from an id or an array of ids (a path fragment) to a leaf value or
 * to the next level's map, always starting at the Object ID, whatever the request URI. Encoding
 * collapses single-child chains into path keys down to the resource and keeps multi-instance
 * resources as maps of their instances: {[3,0,0]: "Acme"}, {[3,0,7]: {0: 3800, 1: 5000}}.
 */

import { Lwm2mPath, MAX_ID } from "../path.ts";
import { decodeCbor, nativeOfCbor } from "./cbor.ts";
import { type CborItem, cborItemOf, encodeCbor } from "./cbor_encode.ts";
import type { EncodeEntry, NativeEntry } from "./entries.ts";
import { ContentError, undecodable } from "./errors.ts";

function keyIds(key: unknown): number[] {
  const list = Array.isArray(key) ? key : [key];
  if (list.length === 0) throw undecodable("LwM2M CBOR: empty path key");
  return list.map((id) => {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > MAX_ID) {
      throw undecodable(`LwM2M CBOR: bad path key ${String(id)}`);
    }
    return id;
  });
}

/** The native entries of an LwM2M CBOR payload; an empty payload has none. */
export function lwm2mCborEntries(payload: Uint8Array): NativeEntry[] {
  if (payload.length === 0) return [];
  const root = decodeCbor(payload);
  if (!(root instanceof Map)) throw undecodable("LwM2M CBOR must be a map");
  const out: NativeEntry[] = [];
  const walk = (map: Map<unknown, unknown>, prefix: number[]) => {
    for (const [key, value] of map) {
      const ids = [...prefix, ...keyIds(key)];
      if (ids.length > 4) throw undecodable(`LwM2M CBOR: path /${ids.join("/")} is too deep`);
      if (value instanceof Map) {
        walk(value, ids);
        continue;
      }
      const path = new Lwm2mPath(ids);
      out.push({ path, value: nativeOfCbor(value, path.toString()) });
    }
  };
  walk(root, []);
  return out;
}

interface Node {
  children: Map<number, Node>;
  item?: CborItem;
}

function mapOf(node: Node, depth: number): Map<CborItem, CborItem> {
  const out = new Map<CborItem, CborItem>();
  for (const [id, child] of node.children) {
    const key = [id];
    let cur = child;
    let d = depth + 1;
    while (cur.item === undefined && cur.children.size === 1 && d < 3) {
      const [[next, c]] = cur.children;
      key.push(next);
      cur = c;
      d++;
    }
    out.set(key.length === 1 ? key[0] : key, cur.item !== undefined ? cur.item : mapOf(cur, d));
  }
  return out;
}

function bothForms(e: EncodeEntry): ContentError {
  return new ContentError("invalid_path", `${e.path}: a resource given both whole and by instance`);
}

/** Encodes checked entries (full paths) as one LwM2M CBOR map. */
export function writeLwm2mCbor(entries: readonly EncodeEntry[]): Uint8Array {
  const root: Node = { children: new Map() };
  for (const e of entries) {
    let node = root;
    for (const id of e.path.ids) {
      if (node.item !== undefined) throw bothForms(e);
      let next = node.children.get(id);
      if (!next) node.children.set(id, next = { children: new Map() });
      node = next;
    }
    if (node.children.size > 0) throw bothForms(e);
    node.item = cborItemOf(e.value, e.type);
  }
  return encodeCbor(mapOf(root, 0));
}
