// A node-dtls-client peer for tests/interop/dtls_node_test.ts (issue 8): connects with PSK to
// 127.0.0.1:PORT using one cipher suite, sends one datagram (hex, e.g. a CoAP request), prints the
// first datagram received as one JSON line {"connected":true,"reply":"hex"} or {"error":"..."},
// and exits. Bounded: gives up after TIMEOUT_MS.
// Usage: node client.mjs PORT IDENTITY KEY CIPHER HEX [TIMEOUT_MS]
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { dtls } = require("node-dtls-client");

const [port, identity, key, cipher, hex, timeoutArg] = process.argv.slice(2);
const timeoutMs = Number(timeoutArg ?? 8000);
let done = false;
function finish(result) {
  if (done) return;
  done = true;
  console.log(JSON.stringify(result));
  try {
    socket.close();
  } catch { /* already closed */ }
  setTimeout(() => process.exit(0), 100);
}
const socket = dtls.createSocket({
  type: "udp4",
  address: "127.0.0.1",
  port: Number(port),
  psk: { [identity]: key },
  timeout: timeoutMs,
  ciphers: [cipher],
});
socket.on("connected", () => socket.send(Buffer.from(hex, "hex")));
socket.on("message", (msg) => finish({ connected: true, reply: msg.toString("hex") }));
socket.on("error", (e) => finish({ error: String(e?.message ?? e) }));
socket.on("close", () => finish({ error: "closed" }));
setTimeout(() => finish({ error: "timeout" }), timeoutMs + 1000);
