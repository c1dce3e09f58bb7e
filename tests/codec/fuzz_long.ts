/**
 * Long fuzz run of the wasm codec (DESIGN.md §3: never throw or trap; every malformed input is a
 * CodecError with a negative status): millions of seeded random and mutated inputs through
 * decodeCoap (RFC 7252 §3) and decodeTlv (LwM2M Core §7.4.3), same engine and contract as the
 * bounded tests/codec/fuzz_test.ts. Bounded by count, not time.
 *
 *   deno task fuzz                                   # 2,000,000 inputs per target, random seed
 *   deno task fuzz --count 10000000 --seed 12345 --target coap
 *
 * A contract violation is printed with its seed and input index, the input is saved under
 * data/fuzz/ (git-ignored), a fresh codec instance is loaded (a trap kills the old one) and the
 * run goes on. Exit status 1 when anything was found.
 */

import { loadCodec } from "../../codec-wasm/mod.ts";
import { STATUS_NAMES } from "../../codec-wasm/status.ts";
import { toHex } from "./fixtures.ts";
import { checkCoap, checkTlv, type Codec, fuzzInputs, type Target } from "./fuzz_inputs.ts";

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
}

const count = Number(flag("count", "2000000"));
const seed = Number(flag("seed", String(crypto.getRandomValues(new Uint32Array(1))[0])));
const targetArg = flag("target", "both");
const targets: Target[] = targetArg === "both" ? ["coap", "tlv"] : [targetArg as Target];
const outDir = flag("out", "data/fuzz");
const MAX_SAVED = 50;

if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(seed)) {
  console.error("usage: fuzz_long.ts [--count N] [--seed S] [--target coap|tlv|both] [--out DIR]");
  Deno.exit(2);
}

let codec: Codec = await loadCodec();
let findings = 0;

for (const target of targets) {
  const check = target === "coap" ? checkCoap : checkTlv;
  const outcomes = new Map<number, number>();
  const started = performance.now();
  let index = 0;
  for (const input of fuzzInputs(target, seed, count)) {
    try {
      const status = check(codec, input);
      outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
    } catch (e) {
      findings++;
      console.error(
        `FOUND ${target} seed ${seed} input #${index}: ${e instanceof Error ? e.message : e}`,
      );
      if (e instanceof Error && e.cause) console.error(`  cause: ${e.cause}`);
      if (findings <= MAX_SAVED) {
        await Deno.mkdir(outDir, { recursive: true });
        const file = `${outDir}/${target}-${seed}-${index}.bin`;
        await Deno.writeFile(file, input);
        console.error(
          `  saved ${file} (${toHex(input.subarray(0, 64))}${input.length > 64 ? " ..." : ""})`,
        );
      }
      codec = await loadCodec();
    }
    index++;
    if (index % 250000 === 0) {
      const rate = Math.round(index / ((performance.now() - started) / 1000));
      console.log(`${target}: ${index}/${count} inputs, ${findings} findings (${rate}/s)`);
    }
  }
  const summary = [...outcomes].sort((a, b) => b[1] - a[1]).map(([c, n]) =>
    `${STATUS_NAMES[c]} ${n}`
  );
  console.log(`${target}: ${count} inputs from seed ${seed}: ${summary.join(", ")}`);
}

console.log(
  findings === 0 ? "fuzz: no contract violations" : `fuzz: ${findings} contract violations`,
);
Deno.exit(findings === 0 ? 0 : 1);
