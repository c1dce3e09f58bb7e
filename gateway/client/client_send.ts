/**
 * The Send operation of the client (LwM2M Core §6.4.4; spec digest lwm2m-interfaces.md §5): the
 * values of some paths, read as the target server would read them, POSTed to /dp in SenML CBOR
 * (or SenML JSON, LwM2M CBOR); refused locally while the server's Mute Send (/1/x/23) is true or
 * absent.
 */

import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { encodeUint } from "../../codec-wasm/values.ts";
import { uriOptions } from "../coap/wire.ts";
import { CONTENT_FORMAT_SENML_CBOR, encodeContent } from "../lwm2m/content/mod.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import { POST } from "./codes.ts";
import type { SendResult } from "./client_options.ts";
import { compositeValues } from "./dm_read.ts";
import type { DmContext } from "./dm_values.ts";
import type { ClientLink } from "./host.ts";
import type { Registrations } from "./registrations.ts";

export interface SendOptions {
  /** The server to send to (default: the first registered). */
  ssid?: number;
  format?: number;
  timeoutMs?: number;
}

export async function sendValues(
  registrations: Registrations,
  link: ClientLink | null,
  context: (ssid: number) => DmContext,
  paths: readonly string[],
  options: SendOptions & { defaultTimeoutMs?: number; wake(): void },
): Promise<SendResult> {
  const account = registrations.accounts.find((a) =>
    a.state.location !== null && (options.ssid === undefined || a.ssid === options.ssid)
  );
  if (!account || !account.peer || !link) return { ok: false, reason: "not registered" };
  const ctx = context(account.ssid);
  const i = registrations.serverInstance(account.ssid);
  if (i === undefined || ctx.store.get(1, i, 23) !== false) {
    return { ok: false, reason: "Send is muted (/1/x/23)" };
  }
  const format = options.format ?? CONTENT_FORMAT_SENML_CBOR;
  const values = compositeValues(ctx, paths.map((p) => Lwm2mPath.parse(p)));
  const payload = encodeContent(
    format,
    values,
    new Lwm2mPath([]),
    ctx.store.definitions.models,
    ctx.codec,
  );
  options.wake();
  const result = await link.request(account.peer, {
    code: POST,
    options: [...uriOptions("/dp"), { number: OPTION.CONTENT_FORMAT, value: encodeUint(format) }],
    payload,
  }, options.timeoutMs ?? options.defaultTimeoutMs);
  if (result.kind !== "response") return { ok: false, reason: result.kind };
  const code = result.response.code;
  return code === 68 ? { ok: true, code } : { ok: false, reason: "server refused", code };
}
