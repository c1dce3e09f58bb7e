/**
 * Codec benchmarks (issue 2): decode and encode of four typical datagrams, single and batched,
 * side by side with npm coap-packet (an independent JS CoAP codec) in the same run; TLV too.
 * Run: bin/deno task bench   (results and goals: bench/RESULTS.md)
 */

import { Buffer } from "node:buffer";
import coapPacket from "coap-packet";
import { loadCodec } from "../codec-wasm/mod.ts";
import { deviceTlv, typicalMessages } from "./messages.ts";

const codec = await loadCodec();
const messages = typicalMessages(codec);
const wire: Record<string, Uint8Array> = {};
const buffers: Record<string, Buffer> = {};
const parsed: Record<string, unknown> = {};
for (const [name, m] of Object.entries(messages)) {
  wire[name] = codec.encodeCoap(m);
  buffers[name] = Buffer.from(wire[name]);
  parsed[name] = coapPacket.parse(buffers[name]);
  console.log(`${name}: ${wire[name].length} bytes`);
}
const BATCH = 256;
const batch = Array.from({ length: BATCH }, (_, i) => wire[Object.keys(wire)[i % 4]]);

for (const name of Object.keys(messages)) {
  const bytes = wire[name];
  const buffer = buffers[name];
  Deno.bench(
    `decode ${name}: coap-packet.parse`,
    { group: `decode ${name}`, baseline: true },
    () => {
      coapPacket.parse(buffer);
    },
  );
  Deno.bench(`decode ${name}: codec table form`, { group: `decode ${name}` }, () => {
    if (codec.decodeCoapRow(bytes) !== 0) throw new Error("decode failed");
  });
  Deno.bench(`decode ${name}: codec object API`, { group: `decode ${name}` }, () => {
    codec.decodeCoap(bytes);
  });
  const m = messages[name];
  const p = parsed[name];
  Deno.bench(
    `encode ${name}: coap-packet.generate`,
    { group: `encode ${name}`, baseline: true },
    () => {
      coapPacket.generate(p as Parameters<typeof coapPacket.generate>[0]);
    },
  );
  Deno.bench(`encode ${name}: codec encodeCoap`, { group: `encode ${name}` }, () => {
    codec.encodeCoap(m);
  });
}

Deno.bench(`decode batch of ${BATCH} mixed: coap-packet.parse each`, {
  group: "batch",
  baseline: true,
}, () => {
  for (let i = 0; i < BATCH; i++) coapPacket.parse(buffers[Object.keys(buffers)[i & 3]]);
});
Deno.bench(`decode batch of ${BATCH} mixed: codec table form each`, { group: "batch" }, () => {
  for (let i = 0; i < BATCH; i++) codec.decodeCoapRow(batch[i]);
});
Deno.bench(`decode batch of ${BATCH} mixed: codec decodeCoapBatch (copy included)`, {
  group: "batch",
}, () => {
  if (codec.decodeCoapBatch(batch) !== BATCH) throw new Error("batch decode failed");
});

const tlvEntries = deviceTlv();
const tlvBytes = codec.encodeTlv(tlvEntries);
console.log(`device TLV: ${tlvBytes.length} bytes`);
Deno.bench("decode Device TLV: codec table form", { group: "tlv decode", baseline: true }, () => {
  codec.decodeTlvRows(tlvBytes);
});
Deno.bench("decode Device TLV: codec object API", { group: "tlv decode" }, () => {
  codec.decodeTlv(tlvBytes);
});
Deno.bench("encode Device TLV: codec encodeTlv", { group: "tlv encode" }, () => {
  codec.encodeTlv(tlvEntries);
});
