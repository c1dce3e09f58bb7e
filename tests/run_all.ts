/**
 * `deno task test`: runs every test of the project, in order, and fails if any part fails.
 *   1. `deno install`          npm packages into node_modules/ (the as-pect runner is a node tool)
 *   2. `deno test -A tests/`   the TypeScript tests (extra arguments are passed on, e.g. --filter)
 *   3. as-pect under node      the AssemblyScript specs in codec-wasm/assembly/__tests__/
 * Both runners always run (a failing deno test does not hide the specs' result); their output
 * passes straight through, so .ci/run can read each runner's own summary line.
 */

const ASPECT = [
  "node_modules/@as-pect/cli/bin/asp",
  "--config",
  "codec-wasm/as-pect.config.js",
  "--as-config",
  "codec-wasm/as-pect.asconfig.json",
];

const root = new URL("..", import.meta.url);

async function step(name: string, command: string, args: string[]): Promise<boolean> {
  console.log(`\n=== ${name}: ${command === Deno.execPath() ? "deno" : command} ${args.join(" ")}`);
  try {
    const child = new Deno.Command(command, {
      args,
      cwd: root,
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const { code } = await child.status;
    if (code !== 0) console.log(`=== ${name} failed (exit ${code})`);
    return code === 0;
  } catch (error) {
    console.log(`=== ${name} could not start: ${error}`);
    return false;
  }
}

const deno = Deno.execPath();
if (!await step("install", deno, ["install"])) Deno.exit(1);
const denoTest = await step("deno test", deno, ["test", "-A", ...Deno.args, "tests/"]);
const aspect = await step("as-pect", "node", ASPECT);
const word = (ok: boolean) => ok ? "ok" : "FAILED";
console.log(`\n=== deno test ${word(denoTest)}, as-pect ${word(aspect)}`);
Deno.exit(denoTest && aspect ? 0 : 1);
