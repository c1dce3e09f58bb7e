/**
 * application/octet-stream (Content-Format 42; LwM2M Core §7.4.2, spec digest data-formats.md
 * §7): the raw bytes of one opaque resource or resource instance (firmware images, certificates).
 * Resources of unknown type are accepted as opaque.
 */

import type { ModelRegistry } from "../../../objects/model.ts";
import type { Lwm2mPath } from "../path.ts";
import type { Lwm2mValues } from "../values.ts";
import { singleTargetType, singleValue } from "./entries.ts";
import { typeMismatch } from "./errors.ts";

export function decodeOpaque(
  payload: Uint8Array,
  target: Lwm2mPath,
  models: ModelRegistry,
): Lwm2mValues {
  const type = singleTargetType(target, models);
  if (type !== undefined && type !== "opaque") {
    throw typeMismatch(`${target}: an opaque payload for a ${type} resource`);
  }
  return new Map([[target.toString(), payload.slice()]]);
}

export function encodeOpaque(
  values: Lwm2mValues,
  target: Lwm2mPath,
  models: ModelRegistry,
): Uint8Array {
  const { value, type } = singleValue(values, target, models);
  if (!(value instanceof Uint8Array)) {
    throw typeMismatch(`${target}: only opaque values have the octet-stream form (is ${type})`);
  }
  return value;
}
