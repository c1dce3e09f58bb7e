/**
 * Median-of-rounds timing of the codec against npm coap-packet in one process and one run (issue 2
 * benchmark goals), printed as a Markdown table for bench/RESULTS.md. `deno bench` (codec_bench.ts)
 * gives averages and percentiles; this gives the medians the goals are stated in.
 * Run: bin/deno run -A bench/codec_median.ts
 */

import { Buffer } from "node:buffer";
import coapPacket from "coap-packet";
import { loadCodec } from "../codec-wasm/mod.ts";
import { deviceTlv, typicalMessages } from "./messages.ts";

const ROUNDS = 21;
const codec = await loadCodec();
const messages = typicalMessages(codec);

/** Median nanoseconds per call of `fn`, over ROUNDS rounds of `iterations` calls. */
function median(fn: () => void, iterations = 20_000): number {
  for (let i = 0; i < iterations; i++) fn(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(((performance.now() - t0) * 1e6) / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[ROUNDS >> 1];
}

const rows: string[][] = [];
const fmt = (ns: number) => ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`;
for (const [name, m] of Object.entries(messages)) {
  const bytes = codec.encodeCoap(m);
  const buffer = Buffer.from(bytes);
  const parsed = coapPacket.parse(buffer);
  const cpParse = median(() => coapPacket.parse(buffer));
  const table = median(() => codec.decodeCoapRow(bytes));
  const object = median(() => codec.decodeCoap(bytes));
  const cpGen = median(() => coapPacket.generate(parsed as never), 5_000);
  const enc = median(() => codec.encodeCoap(m));
  rows.push([
    `${name} (${bytes.length} B)`,
    fmt(cpParse),
    `${fmt(table)} (${(cpParse / table).toFixed(1)}x)`,
    `${fmt(object)} (${(cpParse / object).toFixed(1)}x)`,
    fmt(cpGen),
    `${fmt(enc)} (${(cpGen / enc).toFixed(1)}x)`,
  ]);
}
const wire = Object.values(messages).map((m) => codec.encodeCoap(m));
const batch = Array.from({ length: 256 }, (_, i) => wire[i & 3]);
const perMessage = median(() => codec.decodeCoapBatch(batch), 200) / 256;
const tlv = codec.encodeTlv(deviceTlv());
const tlvRows = median(() => codec.decodeTlvRows(tlv));
const tlvObject = median(() => codec.decodeTlv(tlv));
const entries = deviceTlv();
const tlvEncode = median(() => codec.encodeTlv(entries));

console.log(
  `date: ${
    new Date().toISOString()
  }, Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs`,
);
console.log(
  "| message | coap-packet.parse | decode, table form | decode, object API | coap-packet.generate | encodeCoap |",
);
console.log("|---|--:|--:|--:|--:|--:|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
console.log(
  `\nbatched decode (decodeCoapBatch of 256 mixed, copy included): ${fmt(perMessage)} per message`,
);
console.log(
  `Device TLV (${tlv.length} B): decode rows ${fmt(tlvRows)}, decode objects ${
    fmt(tlvObject)
  }, encode ${fmt(tlvEncode)}`,
);
