/**
 * `deno task inspect HEX`: prints a CoAP datagram as JSON (header, named options, payload decoded
 * by Content-Format). Malformed input prints the status name, code and offset and exits 1.
 * The only file under codec-wasm/ that uses Deno.* (it is a CLI, not part of the browser API).
 */

import { CodecError, loadCodec, STATUS_NAMES } from "./mod.ts";
import { describeMessage, fromHex } from "./describe.ts";

const arg = Deno.args.join("");
if (arg === "" || arg === "-h" || arg === "--help") {
  console.error("usage: deno task inspect <hex datagram>   e.g. 410112347ab13301300130622d16");
  Deno.exit(2);
}
let bytes: Uint8Array;
try {
  bytes = fromHex(arg);
} catch (e) {
  console.error(`inspect: ${(e as Error).message}`);
  Deno.exit(2);
}
const codec = await loadCodec();
const result = codec.tryDecodeCoap(bytes);
if (result instanceof CodecError) {
  const error = { name: STATUS_NAMES[result.code], code: result.code, offset: result.offset };
  console.log(JSON.stringify({ error }, null, 2));
  Deno.exit(1);
}
console.log(JSON.stringify(describeMessage(codec, result), null, 2));
