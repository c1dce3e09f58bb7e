/**
 * A gateway process for the restart tests (issue 4 "Storage"; DESIGN.md §6 CLI): parses the same
 * flags as gateway/main.ts, starts the same gateway (gateway/gateway.ts), prints the same
 * `listening coap=N coaps=off http=N` line, and then, for the test that drives it, one JSON line
 * per gateway event (`event {...}`) and answers commands read from stdin, one a line:
 *   `observe ENDPOINT PATH [FORMAT]` -> `result {...}` (Lwm2mServer.perform of an Observe).
 * It never stops by itself: the test kills it (SIGKILL for a crash). Not a test file itself.
 */

import { parseConfig } from "../../../gateway/config.ts";
import { startGateway } from "../../../gateway/gateway.ts";
import { createLogger } from "../../../gateway/log.ts";
import { Lwm2mPath } from "../../../gateway/lwm2m/path.ts";
import { valuesToJson } from "../../../gateway/server/json.ts";

const parsed = parseConfig(Deno.args, {});
if (parsed.kind !== "config") {
  console.error(`gateway_child: bad arguments ${Deno.args.join(" ")}`);
  Deno.exit(2);
}
const gateway = await startGateway(parsed.config, createLogger("warn"));
const server = gateway.server!;

function line(kind: string, data: unknown): void {
  console.log(`${kind} ${JSON.stringify(data)}`);
}

gateway.events.subscribe((e) => {
  line("event", {
    type: e.type,
    endpoint: e.endpoint,
    observationId: e.observationId,
    values: e.values,
  });
});

console.log(`listening coap=${gateway.coapPort} coaps=off http=${gateway.httpPort}`);

const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
let buffered = "";
for await (const chunk of lines) {
  buffered += chunk;
  let newline: number;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const [command, endpoint, path, format] = buffered.slice(0, newline).trim().split(/\s+/);
    buffered = buffered.slice(newline + 1);
    if (command !== "observe") {
      line("error", { message: `unknown command ${command}` });
      continue;
    }
    const result = await server.perform(
      endpoint,
      { kind: "observe", path: Lwm2mPath.parse(path) },
      format === undefined ? {} : { format: Number(format) },
    );
    line(
      "result",
      result.kind === "content"
        ? { ...result, values: valuesToJson(result.values, undefined) }
        : result,
    );
  }
}
