/**
 * The browser bundle of the content codecs for browser_test.ts: the codecs, the wasm codec loader,
 * paths and the core models, as a web page would import them.
 */

export * from "../../../../gateway/lwm2m/content/mod.ts";
export { loadCodec } from "../../../../codec-wasm/mod.ts";
export { Lwm2mPath } from "../../../../gateway/lwm2m/path.ts";
export { coreModels } from "../../../../objects/mod.ts";
export { toJson } from "../../../../gateway/lwm2m/json_values.ts";
