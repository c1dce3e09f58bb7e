/**
 * The pure Firmware Update state machine (gateway/client/firmware_machine.ts; LwM2M Core
 * Appendix E.6, spec digest objects.md): every transition with its Update Result and the CoAP
 * code of the write or execute that caused it.
 */

import assert from "node:assert/strict";
import {
  defaultPackageCheck,
  type FirmwareOptions,
  type FirmwareState,
  firmwareStep,
  initialFirmwareState,
  makePackage,
} from "../../gateway/client/firmware_machine.ts";

const te = new TextEncoder();
const options: FirmwareOptions = {
  maxImageBytes: 1000,
  schemes: ["coap", "http"],
  check: defaultPackageCheck,
};
const image = makePackage("lamp", "2.0.1", new Uint8Array(100));

function run(
  events: Parameters<typeof firmwareStep>[1][],
  start: FirmwareState = initialFirmwareState(),
) {
  let s = start;
  const codes: number[] = [];
  const effects: string[] = [];
  for (const e of events) {
    const step = firmwareStep(s, e, options);
    s = step.state;
    codes.push(step.code);
    effects.push(...step.effects.map((x) => x.kind));
  }
  return { s, codes, effects };
}

Deno.test("firmware push: package -> Downloaded -> Update -> Updating -> success (result 1)", () => {
  const r = run([{ kind: "packageWritten", bytes: image }, { kind: "updateExecuted" }, {
    kind: "updateFinished",
    ok: true,
  }]);
  assert.deepEqual(r.codes, [68, 68, 68]);
  assert.deepEqual(r.effects, ["apply"]);
  assert.equal(r.s.state, 0);
  assert.equal(r.s.result, 1);
  assert.equal(r.s.pkgName, "lamp");
  assert.equal(r.s.pkgVersion, "2.0.1");
});

Deno.test("firmware pull: URI -> Downloading -> downloaded -> Downloaded; errors go back to Idle", () => {
  let r = run([{ kind: "uriWritten", uri: "coap://10.0.0.1/fw" }]);
  assert.equal(r.s.state, 1);
  assert.deepEqual(r.effects, ["download"]);
  r = run([{ kind: "downloaded", image }], r.s);
  assert.equal(r.s.state, 2);
  const lost = run([{ kind: "uriWritten", uri: "http://h/fw" }, {
    kind: "downloadFailed",
    result: 4,
  }]);
  assert.deepEqual([lost.s.state, lost.s.result], [0, 4]);
  assert.deepEqual([run([{ kind: "uriWritten", uri: "not a uri" }]).s.result], [7]);
  assert.deepEqual([run([{ kind: "uriWritten", uri: "https://h/fw" }]).s.result], [9]);
  assert.deepEqual([run([{ kind: "uriWritten", uri: "coaps://h/fw" }]).s.state], [0]);
});

Deno.test("firmware checks: too large -> 2, bad header -> 5, empty write resets, cancel -> 10", () => {
  assert.equal(run([{ kind: "packageWritten", bytes: new Uint8Array(2000) }]).s.result, 2);
  assert.equal(run([{ kind: "packageWritten", bytes: te.encode("LWM2M-FW broken") }]).s.result, 5);
  const reset = run([{ kind: "packageWritten", bytes: image }, {
    kind: "packageWritten",
    bytes: new Uint8Array([0]),
  }]);
  assert.deepEqual([reset.s.state, reset.s.result, reset.s.image], [0, 0, null]);
  const uriReset = run([{ kind: "uriWritten", uri: "coap://h/x" }, {
    kind: "uriWritten",
    uri: "",
  }]);
  assert.deepEqual(uriReset.effects, ["download", "abortDownload"]);
  const cancel = run([{ kind: "packageWritten", bytes: image }, { kind: "cancelExecuted" }]);
  assert.deepEqual([cancel.s.state, cancel.s.result], [0, 10]);
});

Deno.test("firmware refusals: Update only when Downloaded (4.05), no write while busy, failure keeps the image", () => {
  assert.deepEqual(run([{ kind: "updateExecuted" }]).codes, [133]);
  assert.deepEqual(run([{ kind: "cancelExecuted" }]).codes, [133]);
  const busy = run([{ kind: "uriWritten", uri: "coap://h/x" }, {
    kind: "packageWritten",
    bytes: image,
  }]);
  assert.deepEqual(busy.codes, [68, 133]);
  const failed = run([{ kind: "packageWritten", bytes: image }, { kind: "updateExecuted" }, {
    kind: "updateFinished",
    ok: false,
  }]);
  assert.deepEqual([failed.s.state, failed.s.result, failed.s.image !== null], [2, 8, true]);
  const updating = run([{ kind: "packageWritten", bytes: image }, { kind: "updateExecuted" }, {
    kind: "packageWritten",
    bytes: new Uint8Array(0),
  }]);
  assert.deepEqual(updating.codes, [68, 68, 133]);
});
