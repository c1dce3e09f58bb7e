/** Tests of fleet group membership (gateway/server/groups.ts): glob matching and resolution. */

import assert from "node:assert/strict";
import {
  type ClientDirectory,
  globToRegExp,
  literalPrefix,
  resolveMembers,
} from "../../../gateway/server/groups.ts";
import type { Registration } from "../../../gateway/lwm2m/registration.ts";

Deno.test("globToRegExp: * matches any run, ? exactly one character", () => {
  const re = globToRegExp("light-*");
  assert.ok(re.test("light-"));
  assert.ok(re.test("light-district-7/12"));
  assert.ok(!re.test("xlight-1"));
  const one = globToRegExp("lamp-?");
  assert.ok(one.test("lamp-1"));
  assert.ok(one.test("lamp-é"));
  assert.ok(!one.test("lamp-12"));
  assert.ok(!one.test("lamp-"));
});

Deno.test("globToRegExp treats regex syntax characters literally", () => {
  const re = globToRegExp("a.b+(c)[d]{e}|f^g$h\\i/j-k");
  assert.ok(re.test("a.b+(c)[d]{e}|f^g$h\\i/j-k"));
  assert.ok(!re.test("axb+(c)[d]{e}|f^g$h\\i/j-k"));
});

Deno.test("literalPrefix is the text before the first wildcard", () => {
  assert.equal(literalPrefix("light-*-north"), "light-");
  assert.equal(literalPrefix("lamp-?"), "lamp-");
  assert.equal(literalPrefix("*"), "");
  assert.equal(literalPrefix("exact"), "exact");
});

/** A directory over sorted names that pages like Lwm2mServer.list. */
function directory(names: string[]): ClientDirectory & { pages: number } {
  const sorted = [...names].sort();
  const reg = (endpoint: string) => ({ endpoint }) as Registration;
  const d = {
    pages: 0,
    get: (ep: string) => sorted.includes(ep) ? reg(ep) : undefined,
    list(prefix = "", limit = 100, cursor?: string) {
      d.pages++;
      const from = sorted.filter((n) =>
        n.startsWith(prefix) && (cursor === undefined || n > cursor)
      );
      const page = from.slice(0, limit);
      return {
        registrations: page.map(reg),
        nextCursor: from.length > limit ? page[page.length - 1] : null,
      };
    },
  };
  return d;
}

Deno.test("resolveMembers: a list keeps its order and reports the unregistered", () => {
  const d = directory(["a", "b", "c"]);
  assert.deepEqual(resolveMembers(d, { endpoints: ["c", "ghost", "a"] }), {
    members: ["c", "a"],
    notRegistered: ["ghost"],
  });
});

Deno.test("resolveMembers: a pattern pages through every registered name with its prefix", () => {
  const names = Array.from({ length: 25_000 }, (_, i) => `light-${String(i).padStart(5, "0")}`);
  const d = directory([...names, "other-1", "lamp-1"]);
  const { members, notRegistered } = resolveMembers(d, { match: "light-*" });
  assert.equal(members.length, 25_000);
  assert.deepEqual(notRegistered, []);
  assert.equal(d.pages, 3, "10,000 a page");
  assert.deepEqual(resolveMembers(d, { match: "light-0000?" }).members.length, 10);
});
