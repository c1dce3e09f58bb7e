/** The rate-limited drop log (issue 3): one line per reason and window, with a suppressed count. */

import assert from "node:assert/strict";
import { createDropLogger } from "../../gateway/drop_log.ts";
import { createLogger } from "../../gateway/log.ts";

Deno.test("drops are logged once per reason and window, then summarised", () => {
  const lines: string[] = [];
  let now = 0;
  const logDrop = createDropLogger(createLogger("info", (l) => lines.push(l)), 1000, () => now);
  logDrop("1.2.3.4:5", "malformed", "ERR_TOKEN_LENGTH");
  logDrop("1.2.3.4:5", "malformed");
  logDrop("1.2.3.4:5", "malformed");
  logDrop("1.2.3.4:6", "duplicate");
  assert.equal(lines.length, 2);
  assert.match(lines[0], /coap drop from 1\.2\.3\.4:5: malformed \(ERR_TOKEN_LENGTH\)/);
  now = 1500;
  logDrop("1.2.3.4:5", "malformed");
  assert.equal(lines.length, 3);
  assert.match(lines[2], /\+2 more malformed drops/);
});
