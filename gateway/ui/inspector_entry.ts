/**
 * Entry of the packet inspector's browser bundle (gateway/ui/static/codec/inspect.js, built by
 * gateway/ui/build.ts): the wasm codec loader, the datagram description with the content codecs
 * and the core object models, the capture-file reader and hex helpers, all decoded in the browser.
 */

export { CodecError, loadCodec, STATUS_NAMES } from "../../codec-wasm/mod.ts";
export { fromHex, toHex } from "../../codec-wasm/describe.ts";
export { coreModels } from "../../objects/mod.ts";
export { describeDatagram, describeValues } from "./describe_datagram.ts";
export { parseCapture, parseHexText } from "./capture.ts";
