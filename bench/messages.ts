/**
 * The four typical LwM2M datagrams the codec benchmarks use (issue 2): a Register request, its
 * 2.01 ACK, a GET /3/0 with Accept TLV, and a 2.05 Observe notification carrying Device TLV.
 * Built with our own encoder from plain descriptions; sizes are printed by the bench.
 */

import type { CoapMessage, Codec, TlvEntry } from "../codec-wasm/mod.ts";
import { encodeTlvInteger, encodeUint } from "../codec-wasm/values.ts";

const te = new TextEncoder();
const s = (text: string) => te.encode(text);

export function deviceTlv(): TlvEntry[] {
  const r = (id: number, value: Uint8Array): TlvEntry => ({ kind: "resource", id, value });
  return [
    r(0, s("Open Mobile Alliance")),
    r(1, s("Lightweight M2M Client")),
    r(2, s("345000123")),
    r(3, s("1.0")),
    {
      kind: "multipleResource",
      id: 6,
      children: [{ kind: "resourceInstance", id: 0, value: encodeTlvInteger(1) }, {
        kind: "resourceInstance",
        id: 1,
        value: encodeTlvInteger(5),
      }],
    },
    {
      kind: "multipleResource",
      id: 7,
      children: [{ kind: "resourceInstance", id: 0, value: encodeTlvInteger(3800) }, {
        kind: "resourceInstance",
        id: 1,
        value: encodeTlvInteger(5000),
      }],
    },
    r(9, encodeTlvInteger(100)),
    r(10, encodeTlvInteger(15)),
    r(11, encodeTlvInteger(0)),
    r(13, encodeTlvInteger(1700000000)),
    r(14, s("+02:00")),
    r(16, s("U")),
  ];
}

export function typicalMessages(codec: Codec): Record<string, CoapMessage> {
  const opt = (number: number, value: Uint8Array) => ({ number, value });
  const token = new Uint8Array([0x8a, 0x1f, 0x02, 0x77, 0xc4, 0x10, 0x5e, 0x91]);
  return {
    register: {
      type: 0,
      code: 2,
      messageId: 0x1a2b,
      token,
      options: [
        opt(11, s("rd")),
        opt(12, encodeUint(40)),
        opt(15, s("ep=lamp-000042")),
        opt(15, s("lt=300")),
        opt(15, s("lwm2m=1.1")),
        opt(15, s("b=U")),
      ],
      payload: s(
        '</>;rt="oma.lwm2m";ct=11542,</1/0>,</3/0>,</4/0>,</5/0>,</6/0>,</3303/0>,</3311/0>',
      ),
    },
    created: {
      type: 2,
      code: 65,
      messageId: 0x1a2b,
      token: token.subarray(0, 4),
      options: [opt(8, s("rd")), opt(8, s("5a3f9c"))],
      payload: new Uint8Array(0),
    },
    read: {
      type: 0,
      code: 1,
      messageId: 0x0203,
      token: token.subarray(0, 4),
      options: [opt(11, s("3")), opt(11, s("0")), opt(17, encodeUint(11542))],
      payload: new Uint8Array(0),
    },
    notify: {
      type: 2,
      code: 69,
      messageId: 0x0203,
      token: token.subarray(0, 4),
      options: [opt(6, encodeUint(12)), opt(12, encodeUint(11542))],
      payload: codec.encodeTlv(deviceTlv()),
    },
  };
}
