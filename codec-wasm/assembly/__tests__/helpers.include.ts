// Spec helpers: write literal bytes into INPUT and read table cells (codec-wasm/assembly/layout.ts).
import {
  input,
  MSG_STRIDE,
  MSG_TABLE,
  OPT_STRIDE,
  OPT_TABLE,
  TLV_STRIDE,
  TLV_TABLE,
} from "../layout";

export function put(bytes: u8[]): i32 {
  const p = input();
  for (let i = 0; i < bytes.length; i++) store<u8>(p + <usize> i, bytes[i]);
  return bytes.length;
}

export function msgField(row: i32, field: i32): i32 {
  return load<i32>(MSG_TABLE + (<usize> (row * MSG_STRIDE + field) << 2));
}

export function setMsgField(row: i32, field: i32, v: i32): void {
  store<i32>(MSG_TABLE + (<usize> (row * MSG_STRIDE + field) << 2), v);
}

export function optField(row: i32, field: i32): i32 {
  return load<i32>(OPT_TABLE + (<usize> (row * OPT_STRIDE + field) << 2));
}

export function setOptField(row: i32, field: i32, v: i32): void {
  store<i32>(OPT_TABLE + (<usize> (row * OPT_STRIDE + field) << 2), v);
}

export function tlvField(row: i32, field: i32): i32 {
  return load<i32>(TLV_TABLE + (<usize> (row * TLV_STRIDE + field) << 2));
}

export function setTlvField(row: i32, field: i32, v: i32): void {
  store<i32>(TLV_TABLE + (<usize> (row * TLV_STRIDE + field) << 2), v);
}
