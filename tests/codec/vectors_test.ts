/**
 * Known-answer tests of the wasm codec (codec-wasm/mod.ts) against the committed fixtures:
 * CoAP vectors re-typed from the spec digest (RFC 7252 §3, §3.1; coap.md §2.1, §4, §7.3), CoAP
 * datagrams captured from libcoap and node-coap, and LwM2M TLV vectors (LwM2M Core §7.4.3;
 * data-formats.md §3.3). Every vector both ways: decode gives the written meaning, encode gives
 * the same bytes.
 */

import assert from "node:assert/strict";
import { loadCodec } from "../../codec-wasm/mod.ts";
import type { TlvEntry } from "../../codec-wasm/types.ts";
import {
  coapCapturedVectors,
  coapSpecVectors,
  coapView,
  entriesFromMeaning,
  type EntryMeaning,
  isViewInto,
  messageFromMeaning,
  parseHex,
  sortedOptions,
  tlvNonCanonicalVectors,
  tlvSpecVectors,
  tlvView,
} from "./fixtures.ts";

const codec = await loadCodec();

// ---- CoAP: spec vectors ----

for (const v of coapSpecVectors) {
  Deno.test(`decodeCoap reads spec vector "${v.name}" as its written meaning`, () => {
    const decoded = codec.decodeCoap(parseHex(v.hex));
    assert.deepEqual(coapView(decoded), coapView(messageFromMeaning(v.message)));
  });
  Deno.test(`encodeCoap writes spec vector "${v.name}" byte for byte`, () => {
    const encoded = codec.encodeCoap(messageFromMeaning(v.message));
    assert.deepEqual(encoded, parseHex(v.hex));
  });
}

// ---- CoAP: datagrams captured from independent implementations ----

Deno.test("the fixture holds captured datagrams from libcoap and node-coap", () => {
  const impls = new Set(coapCapturedVectors.map((v) => v.implementation?.split(" ")[0]));
  assert.ok(impls.has("libcoap"), "no libcoap capture");
  assert.ok(impls.has("node-coap"), "no node-coap capture");
});

for (const v of coapCapturedVectors) {
  Deno.test(`decodeCoap reads captured "${v.name}" as its recorded meaning`, () => {
    const decoded = codec.decodeCoap(parseHex(v.hex));
    assert.deepEqual(coapView(decoded), coapView(messageFromMeaning(v.message)));
  });
  if (v.canonical) {
    Deno.test(`encodeCoap reproduces captured "${v.name}" byte for byte`, () => {
      const encoded = codec.encodeCoap(messageFromMeaning(v.message));
      assert.deepEqual(encoded, parseHex(v.hex));
    });
  }
}

// ---- CoAP: API promises around the vectors ----

Deno.test("decodeCoap returns token, option values and payload as views of the caller's bytes", () => {
  for (const v of [...coapSpecVectors, ...coapCapturedVectors]) {
    // Decode from the middle of a larger buffer so that offsets are not all relative to 0.
    const raw = parseHex(v.hex);
    const backing = new Uint8Array(raw.length + 16);
    backing.set(raw, 7);
    const bytes = backing.subarray(7, 7 + raw.length);
    const m = codec.decodeCoap(bytes);
    assert.ok(isViewInto(m.token, bytes), `${v.name}: token`);
    assert.ok(isViewInto(m.payload, bytes), `${v.name}: payload`);
    for (const o of m.options) {
      assert.ok(isViewInto(o.value, bytes), `${v.name}: option ${o.number}`);
    }
  }
});

Deno.test("decodeCoap results stay intact after later decode and encode calls", () => {
  const first = coapSpecVectors[1];
  const bytes = parseHex(first.hex);
  const kept = codec.decodeCoap(bytes);
  const before = coapView(kept);
  for (const v of coapSpecVectors) codec.encodeCoap(codec.decodeCoap(parseHex(v.hex)));
  assert.deepEqual(coapView(kept), before);
});

Deno.test("decodeCoap of a message without payload returns a zero-length payload", () => {
  const m = codec.decodeCoap(parseHex("40 01 00 01 B1 61"));
  assert.ok(m.payload instanceof Uint8Array);
  assert.equal(m.payload.length, 0);
});

Deno.test("encodeCoap sorts options by number and keeps repeated options in their order", () => {
  const v = coapSpecVectors.find((x) => x.name.startsWith("CON POST /rd Register"))!;
  const m = messageFromMeaning(v.message);
  // Interleave: queries first, then the path, then Content-Format; queries keep their order.
  const shuffled = { ...m, options: [...m.options.slice(2), m.options[1], m.options[0]] };
  assert.deepEqual(codec.encodeCoap(shuffled), parseHex(v.hex));
  assert.deepEqual(coapView(codec.decodeCoap(parseHex(v.hex))), coapView(sortedOptions(m)));
});

Deno.test("encodeCoap does not reorder the caller's option array", () => {
  const m = messageFromMeaning(coapSpecVectors[0].message);
  const reversed = [...m.options].reverse();
  const copy = [...reversed];
  codec.encodeCoap({ ...m, options: reversed });
  assert.deepEqual(reversed, copy);
});

// ---- TLV ----

for (const v of tlvSpecVectors) {
  Deno.test(`decodeTlv reads vector "${v.name}" as its written entries`, () => {
    assert.deepEqual(
      tlvView(codec.decodeTlv(parseHex(v.hex))),
      tlvView(entriesFromMeaning(v.entries)),
    );
  });
  Deno.test(`encodeTlv writes vector "${v.name}" byte for byte`, () => {
    assert.deepEqual(codec.encodeTlv(entriesFromMeaning(v.entries)), parseHex(v.hex));
  });
}

for (const v of tlvNonCanonicalVectors) {
  Deno.test(`decodeTlv accepts ${v.name}; encodeTlv writes the shortest form`, () => {
    const entries = codec.decodeTlv(parseHex(v.hex));
    assert.deepEqual(tlvView(entries), tlvView(entriesFromMeaning(v.entries)));
    assert.deepEqual(codec.encodeTlv(entries), parseHex(v.canonicalHex!));
  });
}

Deno.test("decodeTlv returns leaf values as views of the caller's bytes", () => {
  const walk = (entries: TlvEntry[], bytes: Uint8Array, name: string) => {
    for (const e of entries) {
      if (e.children) walk(e.children, bytes, name);
      else assert.ok(e.value && isViewInto(e.value, bytes), `${name}: ${e.kind} ${e.id}`);
    }
  };
  for (const v of tlvSpecVectors) {
    const bytes = parseHex(v.hex);
    walk(codec.decodeTlv(bytes), bytes, v.name);
  }
});

Deno.test("decodeTlv gives containers children and leaves values", () => {
  const [oi] = codec.decodeTlv(parseHex("08 02 0B C1 00 01 86 07 41 00 0A 41 01 14"));
  assert.equal(oi.kind, "objectInstance");
  assert.ok(Array.isArray(oi.children));
  const [res, multi] = oi.children!;
  assert.ok(res.value instanceof Uint8Array);
  assert.equal(res.children, undefined);
  assert.equal(multi.kind, "multipleResource");
  assert.equal(multi.children!.length, 2);
});

/** Reads a TLV leaf by its written data type (data-formats.md §2: TLV value column). */
function readAs(means: NonNullable<EntryMeaning["means"]>, value: Uint8Array): unknown {
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  if ("int" in means) {
    assert.ok([1, 2, 4, 8].includes(value.length), "integer length 1/2/4/8");
    let n = BigInt.asIntN(8, BigInt(value[0]));
    for (let i = 1; i < value.length; i++) n = n * 256n + BigInt(value[i]);
    return Number(n);
  }
  if ("float" in means) {
    if (value.length === 4) return view.getFloat32(0);
    if (value.length === 8) return view.getFloat64(0);
    throw new Error("float length 4/8");
  }
  if ("bool" in means) {
    assert.equal(value.length, 1);
    assert.ok(value[0] <= 1);
    return value[0] === 1;
  }
  if ("text" in means) return new TextDecoder("utf-8", { fatal: true }).decode(value);
  if ("objlnk" in means) {
    assert.equal(value.length, 4);
    return `${view.getUint16(0)}:${view.getUint16(2)}`;
  }
  throw new Error(`unknown meaning ${JSON.stringify(means)}`);
}

Deno.test("TLV fixture values mean what the fixture says (int, float, bool, text, objlnk)", () => {
  let checked = 0;
  const walk = (written: EntryMeaning[], decoded: TlvEntry[]) => {
    written.forEach((w, i) => {
      if (w.children) walk(w.children, decoded[i].children!);
      else if (w.means) {
        const [want] = Object.values(w.means);
        assert.equal(readAs(w.means, decoded[i].value!), want, `${w.kind} ${w.id}`);
        checked++;
      }
    });
  };
  for (const v of tlvSpecVectors) walk(v.entries, codec.decodeTlv(parseHex(v.hex)));
  assert.ok(checked >= 20, `only ${checked} typed values checked`);
});

// ---- sizes around the 64 KiB default regions and the TLV maximum ----

for (const size of [65535, 65536, 65537, 131072]) {
  Deno.test(`decodeCoap and encodeCoap handle a ${size}-byte datagram`, () => {
    const bytes = new Uint8Array(size).fill(0x5a);
    bytes.set([0x40, 0x02, 0x12, 0x34, 0xff]); // CON POST, MID 0x1234, payload marker
    const m = codec.decodeCoap(bytes);
    assert.equal(m.payload.length, size - 5);
    assert.ok(isViewInto(m.payload, bytes));
    assert.deepEqual(codec.encodeCoap(m), bytes);
  });
}

Deno.test("decodeTlv and encodeTlv handle the largest TLV value (16777215 bytes)", () => {
  const length = 0xffffff; // three length bytes (data-formats.md §3.1)
  const bytes = new Uint8Array(5 + length).fill(0xee);
  bytes.set([0xd8, 0x00, 0xff, 0xff, 0xff]);
  const [entry] = codec.decodeTlv(bytes);
  assert.equal(entry.value!.length, length);
  assert.ok(isViewInto(entry.value!, bytes));
  assert.deepEqual(codec.encodeTlv([entry]), bytes);
});
