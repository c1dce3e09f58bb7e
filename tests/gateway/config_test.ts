/** Unit tests of the CLI/env parser gateway/config.ts (DESIGN.md §6 CLI contract). */

import assert from "node:assert/strict";
import {
  envName,
  FLAGS,
  type GatewayConfig,
  isLoopbackHost,
  parseConfig,
  type ParseResult,
} from "../../gateway/config.ts";

function config(args: string[], env: Record<string, string> = {}): GatewayConfig {
  const r = parseConfig(args, env);
  if (r.kind !== "config") assert.fail(`expected a config, got ${JSON.stringify(r)}`);
  return r.config;
}

function errorOf(args: string[], env: Record<string, string> = {}): string {
  const r: ParseResult = parseConfig(args, env);
  if (r.kind !== "error") assert.fail(`expected an error, got ${JSON.stringify(r)}`);
  return r.message;
}

Deno.test("parseConfig with no flags gives the documented defaults", () => {
  assert.deepEqual(config([]), {
    coapPort: 5683,
    coapsPort: 5684,
    httpPort: 8080,
    host: "::",
    store: { kind: "file", path: "./data/gateway.db" },
    apiToken: null,
    objectsDir: null,
    securityFile: null,
    publicUri: null,
    logLevel: "info",
    corsOrigin: null,
  });
});

Deno.test("parseConfig reads every flag in --flag value and --flag=value form", () => {
  const c = config([
    "--coap-port",
    "0",
    "--coaps-port=off",
    "--http-port",
    "9090",
    "--host=127.0.0.1",
    "--store",
    "memory",
    "--api-token=s3cret",
    "--objects",
    "./models",
    "--security-file",
    "sec.json",
    "--public-uri=coap://gw.example:5683",
    "--log-level",
    "debug",
    "--cors-origin",
    "https://app.example,http://localhost:5173",
  ]);
  assert.deepEqual(c, {
    coapPort: 0,
    coapsPort: null,
    httpPort: 9090,
    host: "127.0.0.1",
    store: { kind: "memory" },
    apiToken: "s3cret",
    objectsDir: "./models",
    securityFile: "sec.json",
    publicUri: "coap://gw.example:5683",
    logLevel: "debug",
    corsOrigin: ["https://app.example", "http://localhost:5173"],
  });
});

Deno.test("every flag has an LWM2M_ env twin named after it", () => {
  assert.equal(envName("coap-port"), "LWM2M_COAP_PORT");
  assert.equal(envName("security-file"), "LWM2M_SECURITY_FILE");
  assert.deepEqual(FLAGS.map((f) => f.name), [
    "coap-port",
    "coaps-port",
    "http-port",
    "host",
    "store",
    "api-token",
    "objects",
    "security-file",
    "public-uri",
    "log-level",
    "cors-origin",
  ]);
});

Deno.test("parseConfig takes values from LWM2M_* env", () => {
  const c = config([], {
    LWM2M_COAP_PORT: "off",
    LWM2M_COAPS_PORT: "0",
    LWM2M_HTTP_PORT: "0",
    LWM2M_HOST: "::1",
    LWM2M_STORE: "redis://:pw@cache:6379/2",
    LWM2M_API_TOKEN: "t",
    LWM2M_OBJECTS: "/ddf",
    LWM2M_SECURITY_FILE: "/s.json",
    LWM2M_PUBLIC_URI: "coaps://gw:5684",
    LWM2M_LOG_LEVEL: "warn",
  });
  assert.equal(c.coapPort, null);
  assert.equal(c.coapsPort, 0);
  assert.equal(c.httpPort, 0);
  assert.equal(c.host, "::1");
  assert.deepEqual(c.store, {
    kind: "redis",
    url: "redis://:pw@cache:6379/2",
    host: "cache",
    port: 6379,
    db: 2,
  });
  assert.equal(c.apiToken, "t");
  assert.equal(c.objectsDir, "/ddf");
  assert.equal(c.securityFile, "/s.json");
  assert.equal(c.publicUri, "coaps://gw:5684");
  assert.equal(c.logLevel, "warn");
});

Deno.test("a flag wins over its env twin", () => {
  const c = config(["--http-port", "1234", "--log-level=error"], {
    LWM2M_HTTP_PORT: "4321",
    LWM2M_LOG_LEVEL: "debug",
  });
  assert.equal(c.httpPort, 1234);
  assert.equal(c.logLevel, "error");
});

Deno.test("an empty env value counts as unset", () => {
  assert.equal(config([], { LWM2M_API_TOKEN: "", LWM2M_HTTP_PORT: "" }).apiToken, null);
  assert.equal(config([], { LWM2M_HTTP_PORT: "" }).httpPort, 8080);
});

Deno.test("parseConfig rejects bad ports and names the source", () => {
  assert.match(errorOf(["--http-port", "65536"]), /--http-port.*65536/);
  assert.match(errorOf(["--http-port", "off"]), /--http-port/);
  assert.match(errorOf(["--coap-port", "-1"]), /--coap-port/);
  assert.match(errorOf(["--coap-port", "12ab"]), /--coap-port/);
  assert.match(errorOf([], { LWM2M_COAPS_PORT: "x" }), /LWM2M_COAPS_PORT/);
  assert.equal(config(["--coap-port", "65535"]).coapPort, 65535);
});

Deno.test("parseConfig validates the store URI forms", () => {
  assert.deepEqual(config(["--store", "file:/var/lib/gw.db"]).store, {
    kind: "file",
    path: "/var/lib/gw.db",
  });
  assert.deepEqual(config(["--store", "redis://localhost:6379"]).store, {
    kind: "redis",
    url: "redis://localhost:6379",
    host: "localhost",
    port: 6379,
    db: 0,
  });
  assert.match(errorOf(["--store", "file:"]), /needs a path/);
  assert.match(errorOf(["--store", "redis://localhost"]), /redis:\/\//);
  assert.match(errorOf(["--store", "redis://h:1/x"]), /redis:\/\//);
  assert.match(errorOf(["--store", "postgres://h/db"]), /file:PATH, memory or redis/);
  assert.match(errorOf(["--store", "./gw.db"]), /file:PATH/);
});

Deno.test("parseConfig rejects unknown flags, stray arguments and missing values", () => {
  assert.match(errorOf(["--coap"]), /unknown flag: --coap/);
  assert.match(errorOf(["serve"]), /unexpected argument: serve/);
  assert.match(errorOf(["--host"]), /--host needs a value/);
  assert.match(errorOf(["--log-level", "trace"]), /debug\|info\|warn\|error/);
  assert.match(errorOf(["--public-uri", "gw:5683"]), /absolute URI/);
  assert.match(errorOf(["--host", ""]), /bad host/);
});

Deno.test("parseConfig strips brackets from an IPv6 host", () => {
  assert.equal(config(["--host", "[::1]"]).host, "::1");
});

Deno.test("--help returns the usage text naming every flag and env var", () => {
  const r = parseConfig(["--coap-port", "1", "--help"], {});
  assert.equal(r.kind, "help");
  if (r.kind !== "help") return;
  for (const f of FLAGS) {
    assert.ok(r.text.includes(`--${f.name}`), f.name);
    assert.ok(r.text.includes(envName(f.name)), envName(f.name));
  }
});

Deno.test("isLoopbackHost accepts only loopback addresses", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST"]) {
    assert.ok(isLoopbackHost(h), h);
  }
  for (const h of ["::", "0.0.0.0", "192.0.2.1", "gw.example", "128.0.0.1"]) {
    assert.ok(!isLoopbackHost(h), h);
  }
});

Deno.test("--cors-origin takes *, a list of origins or off, and rejects non-origins", () => {
  assert.equal(config([]).corsOrigin, null);
  assert.deepEqual(config(["--cors-origin", "*"]).corsOrigin, ["*"]);
  assert.deepEqual(
    config([], { LWM2M_CORS_ORIGIN: " https://a.example , https://b.example:8443" })
      .corsOrigin,
    ["https://a.example", "https://b.example:8443"],
  );
  assert.equal(config(["--cors-origin=off"], { LWM2M_CORS_ORIGIN: "*" }).corsOrigin, null);
  assert.match(errorOf(["--cors-origin", "https://a.example/"]), /--cors-origin.*not an origin/);
  assert.match(errorOf(["--cors-origin", "a.example"]), /not an origin/);
  assert.match(errorOf(["--cors-origin", "*,https://a.example"]), /cannot be combined/);
  assert.match(errorOf([], { LWM2M_CORS_ORIGIN: "," }), /LWM2M_CORS_ORIGIN/);
});
