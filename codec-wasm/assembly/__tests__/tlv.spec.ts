// as-pect specs for the LwM2M TLV decoder/encoder (LwM2M Core §7.4.3) on literal payloads.
import { decodeTlv, encodeTlv } from "../index";
import {
  output,
  TLV_ID,
  TLV_KIND,
  TLV_PARENT,
  TLV_VALUE_LENGTH,
  TLV_VALUE_OFFSET,
} from "../layout";
import { tlvErrorOffset } from "../tlv";
import {
  ERR_BAD_ARGUMENT,
  ERR_TLV_LENGTH_OVERFLOW,
  ERR_TLV_NESTING,
  ERR_TLV_TRUNCATED,
} from "../status";
import { put, setTlvField, tlvField } from "./helpers.include";

describe("decodeTlv", () => {
  it("decodes the object instance /1/0 {0:101, 1:86400, 6:false, 7:UQ}", () => {
    const n = put([
      0x08,
      0x00,
      0x10,
      0xc1,
      0x00,
      0x65,
      0xc4,
      0x01,
      0x00,
      0x01,
      0x51,
      0x80,
      0xc1,
      0x06,
      0x00,
      0xc2,
      0x07,
      0x55,
      0x51,
    ]);
    expect(decodeTlv(n)).toBe(5);
    expect(tlvField(0, TLV_KIND)).toBe(0);
    expect(tlvField(0, TLV_PARENT)).toBe(-1);
    expect(tlvField(0, TLV_VALUE_LENGTH)).toBe(16);
    expect(tlvField(2, TLV_PARENT)).toBe(0);
    expect(tlvField(2, TLV_ID)).toBe(1);
    expect(tlvField(2, TLV_VALUE_OFFSET)).toBe(8);
    expect(tlvField(2, TLV_VALUE_LENGTH)).toBe(4);
    expect(tlvField(4, TLV_ID)).toBe(7);
  });

  it("decodes a multiple resource with 16-bit ids and a length byte", () => {
    const n = put([
      0x88,
      0x07,
      0x08,
      0x42,
      0x00,
      0x0e,
      0xd8,
      0x42,
      0x01,
      0x13,
      0x88,
      0xe1,
      0x16,
      0xda,
      0x01,
    ]);
    expect(decodeTlv(n)).toBe(4);
    expect(tlvField(0, TLV_KIND)).toBe(2);
    expect(tlvField(1, TLV_KIND)).toBe(1);
    expect(tlvField(2, TLV_PARENT)).toBe(0);
    expect(tlvField(3, TLV_ID)).toBe(5850);
    expect(tlvField(3, TLV_PARENT)).toBe(-1);
  });

  it("returns a distinct status for truncation, overflow and nesting", () => {
    expect(decodeTlv(put([0xe1, 0x16]))).toBe(ERR_TLV_TRUNCATED);
    expect(decodeTlv(put([0xc4, 0x00, 0x41]))).toBe(ERR_TLV_LENGTH_OVERFLOW);
    expect(decodeTlv(put([0x03, 0x00, 0x41, 0x00, 0x01]))).toBe(ERR_TLV_NESTING);
    expect(tlvErrorOffset()).toBe(2);
    expect(decodeTlv(put([0x83, 0x06, 0xc1, 0x00, 0x01]))).toBe(ERR_TLV_NESTING);
    expect(decodeTlv(put([0x02, 0x00, 0x00, 0x00]))).toBe(ERR_TLV_NESTING);
  });
});

describe("encodeTlv", () => {
  it("encodes the multiple resource /3/0/6 = {0:1, 1:5}", () => {
    put([0x01, 0x05]);
    setTlvField(0, TLV_PARENT, -1);
    setTlvField(0, TLV_KIND, 2);
    setTlvField(0, TLV_ID, 6);
    setTlvField(1, TLV_PARENT, 0);
    setTlvField(1, TLV_KIND, 1);
    setTlvField(1, TLV_ID, 0);
    setTlvField(1, TLV_VALUE_OFFSET, 0);
    setTlvField(1, TLV_VALUE_LENGTH, 1);
    setTlvField(2, TLV_PARENT, 0);
    setTlvField(2, TLV_KIND, 1);
    setTlvField(2, TLV_ID, 1);
    setTlvField(2, TLV_VALUE_OFFSET, 1);
    setTlvField(2, TLV_VALUE_LENGTH, 1);
    const expected: u8[] = [0x86, 0x06, 0x41, 0x00, 0x01, 0x41, 0x01, 0x05];
    expect(encodeTlv(3)).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      expect(load<u8>(output() + <usize> i)).toBe(expected[i]);
    }
  });

  it("rejects a resource inside a multiple resource and a parent that follows its child", () => {
    setTlvField(0, TLV_PARENT, -1);
    setTlvField(0, TLV_KIND, 2);
    setTlvField(0, TLV_ID, 6);
    setTlvField(1, TLV_PARENT, 0);
    setTlvField(1, TLV_KIND, 3);
    setTlvField(1, TLV_ID, 0);
    setTlvField(1, TLV_VALUE_OFFSET, 0);
    setTlvField(1, TLV_VALUE_LENGTH, 0);
    expect(encodeTlv(2)).toBe(ERR_TLV_NESTING);
    setTlvField(1, TLV_PARENT, 1);
    expect(encodeTlv(2)).toBe(ERR_BAD_ARGUMENT);
  });
});
