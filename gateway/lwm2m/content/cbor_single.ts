/**
 * application/cbor (Content-Format 60; LwM2M Core §7.4.6, spec digest data-formats.md §2 CBOR
 * column): one resource or resource-instance value as a single CBOR data item (objlnk as "O:I"
 * text). Unknown resources keep the CBOR item's own type.
 */

import type { ModelRegistry } from "../../../objects/model.ts";
import type { Lwm2mPath } from "../path.ts";
import type { Lwm2mValues } from "../values.ts";
import { decodeCbor, nativeOfCbor } from "./cbor.ts";
import { cborItemOf, encodeCbor } from "./cbor_encode.ts";
import { singleTargetType, singleValue } from "./entries.ts";
import { coerceNative } from "./typing.ts";

export function decodeCborSingle(
  payload: Uint8Array,
  target: Lwm2mPath,
  models: ModelRegistry,
): Lwm2mValues {
  const type = singleTargetType(target, models);
  const key = target.toString();
  const native = nativeOfCbor(decodeCbor(payload), key);
  return new Map([[key, coerceNative(native, type, key)]]);
}

export function encodeCborSingle(
  values: Lwm2mValues,
  target: Lwm2mPath,
  models: ModelRegistry,
): Uint8Array {
  const { value, type } = singleValue(values, target, models);
  return encodeCbor(cborItemOf(value, type));
}
