// as-pect specs for the CoAP decoder/encoder (RFC 7252 §3, §3.1) on literal datagrams.
import { decodeCoap, decodeCoapBatch, encodeCoap } from "../index";
import {
  BATCH_STRIDE,
  BATCH_TABLE,
  input,
  MSG_CODE,
  MSG_ERROR_OFFSET,
  MSG_MESSAGE_ID,
  MSG_OPTION_COUNT,
  MSG_OPTION_START,
  MSG_PAYLOAD_LENGTH,
  MSG_PAYLOAD_OFFSET,
  MSG_STATUS,
  MSG_TOKEN_LENGTH,
  MSG_TOKEN_OFFSET,
  MSG_TYPE,
  output,
} from "../layout";
import {
  ERR_BAD_ARGUMENT,
  ERR_BAD_VERSION,
  ERR_EMPTY_MESSAGE_NOT_EMPTY,
  ERR_EMPTY_PAYLOAD,
  ERR_OPTION_NUMBER_OVERFLOW,
  ERR_RESERVED_NIBBLE,
  ERR_TOKEN_LENGTH,
  ERR_TRUNCATED_HEADER,
  ERR_TRUNCATED_OPTION,
  ERR_TRUNCATED_TOKEN,
  OK,
} from "../status";
import { msgField, optField, put, setMsgField, setOptField } from "./helpers.include";

describe("decodeCoap", () => {
  it("decodes CON GET /3/0/0 with Accept TLV", () => {
    const n = put([
      0x41,
      0x01,
      0x12,
      0x34,
      0x7a,
      0xb1,
      0x33,
      0x01,
      0x30,
      0x01,
      0x30,
      0x62,
      0x2d,
      0x16,
    ]);
    expect(decodeCoap(n)).toBe(OK);
    expect(msgField(0, MSG_TYPE)).toBe(0);
    expect(msgField(0, MSG_CODE)).toBe(1);
    expect(msgField(0, MSG_MESSAGE_ID)).toBe(0x1234);
    expect(msgField(0, MSG_TOKEN_LENGTH)).toBe(1);
    expect(msgField(0, MSG_TOKEN_OFFSET)).toBe(4);
    expect(msgField(0, MSG_OPTION_COUNT)).toBe(4);
    expect(optField(0, 0)).toBe(11);
    expect(optField(0, 1)).toBe(6);
    expect(optField(0, 2)).toBe(1);
    expect(optField(1, 0)).toBe(11);
    expect(optField(2, 0)).toBe(11);
    expect(optField(3, 0)).toBe(17);
    expect(optField(3, 2)).toBe(2);
    expect(msgField(0, MSG_PAYLOAD_LENGTH)).toBe(0);
  });

  it("decodes a NON notification with an empty Content-Format and a payload", () => {
    const n = put([
      0x54,
      0x45,
      0x70,
      0x01,
      0xde,
      0xad,
      0xbe,
      0xef,
      0x62,
      0x01,
      0x02,
      0x60,
      0xff,
      0x38,
      0x37,
    ]);
    expect(decodeCoap(n)).toBe(OK);
    expect(msgField(0, MSG_TYPE)).toBe(1);
    expect(msgField(0, MSG_CODE)).toBe(69);
    expect(optField(0, 0)).toBe(6);
    expect(optField(1, 0)).toBe(12);
    expect(optField(1, 2)).toBe(0);
    expect(msgField(0, MSG_PAYLOAD_OFFSET)).toBe(13);
    expect(msgField(0, MSG_PAYLOAD_LENGTH)).toBe(2);
  });

  it("decodes 13- and 14-form option deltas up to No-Response 258", () => {
    const n = put([0x50, 0x02, 0x30, 0x00, 0xb2, 0x64, 0x70, 0x11, 0x6e, 0xd1, 0xe9, 0x02]);
    expect(decodeCoap(n)).toBe(OK);
    expect(optField(2, 0)).toBe(258);
    const m = put([0x40, 0x01, 0x00, 0x01, 0xe0, 0xfe, 0xf2]); // delta 269 + 65266 = 65535
    expect(decodeCoap(m)).toBe(OK);
    expect(optField(0, 0)).toBe(65535);
  });

  it("returns a distinct status for every malformed class", () => {
    expect(decodeCoap(put([0x40, 0x01, 0x00]))).toBe(ERR_TRUNCATED_HEADER);
    expect(decodeCoap(put([0x80, 0x01, 0x00, 0x01]))).toBe(ERR_BAD_VERSION);
    expect(decodeCoap(put([0x49, 0x01, 0x00, 0x01]))).toBe(ERR_TOKEN_LENGTH);
    expect(decodeCoap(put([0x42, 0x01, 0x00, 0x01, 0xaa]))).toBe(ERR_TRUNCATED_TOKEN);
    expect(decodeCoap(put([0x40, 0x01, 0x00, 0x01, 0xb3, 0x61]))).toBe(ERR_TRUNCATED_OPTION);
    expect(decodeCoap(put([0x40, 0x01, 0x00, 0x01, 0xd1]))).toBe(ERR_TRUNCATED_OPTION);
    expect(decodeCoap(put([0x40, 0x01, 0x00, 0x01, 0xf1, 0x00]))).toBe(ERR_RESERVED_NIBBLE);
    expect(msgField(0, MSG_ERROR_OFFSET)).toBe(4);
    expect(decodeCoap(put([0x40, 0x01, 0x00, 0x01, 0x1f, 0x00]))).toBe(ERR_RESERVED_NIBBLE);
    expect(decodeCoap(put([0x40, 0x01, 0x00, 0x01, 0xff]))).toBe(ERR_EMPTY_PAYLOAD);
    expect(decodeCoap(put([0x40, 0x01, 0x00, 0x01, 0xe0, 0xfe, 0xf2, 0x10]))).toBe(
      ERR_OPTION_NUMBER_OVERFLOW,
    );
    expect(decodeCoap(put([0x41, 0x00, 0x00, 0x01, 0x01]))).toBe(ERR_EMPTY_MESSAGE_NOT_EMPTY);
    expect(decodeCoap(put([0x40, 0x00, 0x00, 0x01, 0xff, 0x01]))).toBe(ERR_EMPTY_MESSAGE_NOT_EMPTY);
  });

  it("accepts a CoAP ping (empty CON)", () => {
    expect(decodeCoap(put([0x40, 0x00, 0xbe, 0xef]))).toBe(OK);
    expect(msgField(0, MSG_MESSAGE_ID)).toBe(0xbeef);
  });
});

describe("decodeCoapBatch", () => {
  it("decodes several datagrams into consecutive rows", () => {
    put([0x40, 0x00, 0xbe, 0xef, 0x41, 0x01, 0x00, 0x02, 0x7a, 0xb1, 0x33, 0x80, 0x01, 0x00, 0x01]);
    store<i32>(BATCH_TABLE, 0);
    store<i32>(BATCH_TABLE + 4, 4);
    store<i32>(BATCH_TABLE + (<usize> BATCH_STRIDE << 2), 4);
    store<i32>(BATCH_TABLE + (<usize> BATCH_STRIDE << 2) + 4, 7);
    store<i32>(BATCH_TABLE + (<usize> (2 * BATCH_STRIDE) << 2), 11);
    store<i32>(BATCH_TABLE + (<usize> (2 * BATCH_STRIDE) << 2) + 4, 4);
    expect(decodeCoapBatch(3)).toBe(2);
    expect(msgField(0, MSG_STATUS)).toBe(OK);
    expect(msgField(1, MSG_STATUS)).toBe(OK);
    expect(msgField(1, MSG_OPTION_START)).toBe(0);
    expect(msgField(1, MSG_OPTION_COUNT)).toBe(1);
    expect(msgField(2, MSG_STATUS)).toBe(ERR_BAD_VERSION);
    expect(decodeCoapBatch(-1)).toBe(ERR_BAD_ARGUMENT);
  });
});

describe("encodeCoap", () => {
  it("encodes the piggybacked 2.01 with Location-Path rd/5a3f", () => {
    put([0x01, 0x02, 0x72, 0x64, 0x35, 0x61, 0x33, 0x66]);
    setMsgField(0, MSG_TYPE, 2);
    setMsgField(0, MSG_CODE, 65);
    setMsgField(0, MSG_MESSAGE_ID, 1);
    setMsgField(0, MSG_TOKEN_LENGTH, 2);
    setMsgField(0, MSG_TOKEN_OFFSET, 0);
    setMsgField(0, MSG_OPTION_COUNT, 2);
    setOptField(0, 0, 8);
    setOptField(0, 1, 2);
    setOptField(0, 2, 2);
    setOptField(1, 0, 8);
    setOptField(1, 1, 4);
    setOptField(1, 2, 4);
    setMsgField(0, MSG_PAYLOAD_OFFSET, 0);
    setMsgField(0, MSG_PAYLOAD_LENGTH, 0);
    const expected: u8[] = [
      0x62,
      0x41,
      0x00,
      0x01,
      0x01,
      0x02,
      0x82,
      0x72,
      0x64,
      0x04,
      0x35,
      0x61,
      0x33,
      0x66,
    ];
    expect(encodeCoap()).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      expect(load<u8>(output() + <usize> i)).toBe(expected[i]);
    }
  });

  it("writes a 14-form option length and extended delta", () => {
    setMsgField(0, MSG_TYPE, 0);
    setMsgField(0, MSG_CODE, 1);
    setMsgField(0, MSG_TOKEN_LENGTH, 0);
    setMsgField(0, MSG_OPTION_COUNT, 1);
    setOptField(0, 0, 35); // Proxy-Uri, delta 35 -> 13-form
    setOptField(0, 1, 0);
    setOptField(0, 2, 300); // 14-form length
    setMsgField(0, MSG_PAYLOAD_LENGTH, 0);
    expect(encodeCoap()).toBe(4 + 4 + 300);
    expect(load<u8>(output() + 4)).toBe(0xde);
    expect(load<u8>(output() + 5)).toBe(0x16);
    expect(load<u8>(output() + 6)).toBe(0x00);
    expect(load<u8>(output() + 7)).toBe(0x1f);
  });

  it("rejects descending options, a token over 8 bytes and out-of-range values", () => {
    setMsgField(0, MSG_OPTION_COUNT, 2);
    setOptField(0, 0, 12);
    setOptField(0, 2, 0);
    setOptField(1, 0, 11);
    setOptField(1, 2, 0);
    expect(encodeCoap()).toBe(ERR_BAD_ARGUMENT);
    setMsgField(0, MSG_OPTION_COUNT, 0);
    setMsgField(0, MSG_TOKEN_LENGTH, 9);
    expect(encodeCoap()).toBe(ERR_BAD_ARGUMENT);
    setMsgField(0, MSG_TOKEN_LENGTH, 0);
    setMsgField(0, MSG_PAYLOAD_OFFSET, 0);
    setMsgField(0, MSG_PAYLOAD_LENGTH, 0x7fffffff);
    expect(encodeCoap()).toBe(ERR_BAD_ARGUMENT);
    expect(input()).toBeGreaterThan(0);
  });
});
