/**
 * Execute and Write-Attributes answered by the client (LwM2M Core §6.3.5 Execute with the
 * argument grammar of §5.4.5, §6.3.2 Write-Attributes; spec digest lwm2m-interfaces.md §3.4,
 * §4.1-§4.3): arguments validated (4.00), only executable resources executed (4.05), handlers
 * possibly asynchronous; attributes validated and stored per server at their level.
 */

import {
  type ClientResponse,
  COAP_204_CHANGED,
  COAP_400_BAD_REQUEST,
  COAP_404_NOT_FOUND,
  COAP_405_METHOD_NOT_ALLOWED,
  errorResponse,
} from "./codes.ts";
import { applyAttributeChange, parseAttributeQuery } from "./attributes.ts";
import { checkTarget, type DmContext, handlerContext, resourceReadable } from "./dm_values.ts";

const td = new TextDecoder("utf-8", { fatal: false });

/** `arg = DIGIT ["=" "'" *CHAR "'"]` with CHAR excluding " ' \ (lwm2m-interfaces.md §3.4). */
const ARG = /^\d(='[\x21\x23-\x26\x28-\x5B\x5D-\x7E]*')?$/;

/** Execute arguments: empty, or a comma list of args; digits must be unique (1.2.1). */
export function validExecuteArguments(text: string): boolean {
  if (text === "") return true;
  const seen = new Set<string>();
  // Split on commas outside quotes.
  const args: string[] = [];
  let start = 0;
  let quoted = false;
  for (let k = 0; k < text.length; k++) {
    if (text[k] === "'") quoted = !quoted;
    else if (text[k] === "," && !quoted) {
      args.push(text.slice(start, k));
      start = k + 1;
    }
  }
  args.push(text.slice(start));
  for (const a of args) {
    if (!ARG.test(a) || seen.has(a[0])) return false;
    seen.add(a[0]);
  }
  return true;
}

export function execute(
  ctx: DmContext,
  ids: readonly number[],
  payload: Uint8Array,
): ClientResponse | Promise<ClientResponse> {
  if (ids.length !== 3) {
    return errorResponse(COAP_405_METHOD_NOT_ALLOWED, "execute targets a resource");
  }
  const denied = checkTarget(ctx, ids.slice(0, 2), "execute");
  if (denied !== null) return errorResponse(denied);
  const [o, i, r] = ids;
  const model = ctx.store.definitions.models.resource(o, r);
  if (!model) return errorResponse(COAP_404_NOT_FOUND);
  if (model.operations !== "E") {
    return errorResponse(COAP_405_METHOD_NOT_ALLOWED, "resource is not executable");
  }
  const args = td.decode(payload);
  if (!validExecuteArguments(args)) {
    return errorResponse(COAP_400_BAD_REQUEST, "malformed execute arguments");
  }
  const handler = ctx.store.definitions.get(o)?.resources?.[r]?.execute;
  if (!handler) return { code: COAP_204_CHANGED };
  const finish = (code: number | void): ClientResponse =>
    typeof code === "number" && code >= 128 ? errorResponse(code) : { code: COAP_204_CHANGED };
  const result = handler(handlerContext(ctx, o, i, r), args);
  return result instanceof Promise ? result.then(finish) : finish(result);
}

export function writeAttributes(
  ctx: DmContext,
  ids: readonly number[],
  query: readonly string[],
): ClientResponse {
  if (ctx.ssid === null || ids.length === 0) return errorResponse(COAP_405_METHOD_NOT_ALLOWED);
  const denied = checkTarget(ctx, ids, "read");
  if (denied !== null) return errorResponse(denied);
  const [o, , r] = ids;
  if (r !== undefined && !resourceReadable(ctx.store, o, r)) {
    return errorResponse(COAP_405_METHOD_NOT_ALLOWED, "attributes need a readable resource");
  }
  const change = parseAttributeQuery(query);
  if (!change.ok) return errorResponse(COAP_400_BAD_REQUEST, change.message);
  const type = r === undefined ? undefined : ctx.store.definitions.models.resource(o, r)?.type;
  const table = ctx.attributeTable(ctx.ssid);
  const path = "/" + ids.join("/");
  const merged = applyAttributeChange(table.get(path), change.value, { depth: ids.length, type });
  if (!merged.ok) return errorResponse(COAP_400_BAD_REQUEST, merged.message);
  if (Object.keys(merged.value).length === 0) table.delete(path);
  else table.set(path, merged.value);
  const ssid = ctx.ssid;
  ctx.after(() => ctx.attributesChanged(ssid));
  return { code: COAP_204_CHANGED };
}
