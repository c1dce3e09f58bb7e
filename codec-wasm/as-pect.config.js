// as-pect configuration for the AssemblyScript specs of the codec (run from the repository root:
// node node_modules/@as-pect/cli/bin/asp --config codec-wasm/as-pect.config.js
//   --as-config codec-wasm/as-pect.asconfig.json).
export default {
  entries: ["codec-wasm/assembly/__tests__/**/*.spec.ts"],
  include: ["codec-wasm/assembly/__tests__/**/*.include.ts"],
  disclude: [/node_modules/],
  // The codec's static tables need more than as-pect's default 10 pages (and its --memory-size
  // flag takes no value in 8.1.0), so the specs get their own 64-page memory.
  instantiate(_memory, createImports, instantiate, binary) {
    const memory = new WebAssembly.Memory({ initial: 64 });
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
