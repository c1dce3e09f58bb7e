/**
 * Typed LwM2M resource values as the server core holds them (LwM2M Core Appendix C data types),
 * and their JSON form on the HTTP API (DESIGN.md §6: integers as numbers, beyond ±2^53 as decimal
 * strings; opaque as base64; objlnk as "O:I"; time as integer seconds).
 */

export interface ObjectLink {
  objectId: number;
  instanceId: number;
}

/**
 * string (also corelnk), number (integer/unsigned/float/time), bigint (64-bit integers beyond
 * ±2^53), boolean, Uint8Array (opaque, and raw values of unknown resources), ObjectLink.
 */
export type Lwm2mValue = string | number | bigint | boolean | Uint8Array | ObjectLink;

/** Values by full path string ("/3/0/7/0"), the flat form every content format decodes to. */
export type Lwm2mValues = Map<string, Lwm2mValue>;
