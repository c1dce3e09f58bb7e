/**
 * Test helper: where the copy of the OMA LwM2M registry lives (../shared/lwm2m-registry beside the
 * repository, DESIGN.md §7) and whether it is there. Tests that need it are declared with
 * `ignore: !HAVE_REGISTRY`, and `noteRegistry` prints why they were ignored, so a missing folder
 * shows in the output instead of passing silently.
 */

/** Absolute path of the registry folder (no trailing slash). */
export const REGISTRY_DIR = decodeURIComponent(
  new URL("../../../shared/lwm2m-registry", import.meta.url).pathname,
);

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

export const HAVE_REGISTRY = exists(REGISTRY_DIR);

/** Prints, once per calling test file, that its registry tests are ignored. */
export function noteRegistry(testFile: string): void {
  if (!HAVE_REGISTRY) {
    console.warn(`${testFile}: ${REGISTRY_DIR} not found, its registry tests are IGNORED`);
  }
}

/** The text of a registry file, e.g. "3311.xml" or "version_history/5-1_0.xml". */
export function registryFile(name: string): string {
  return Deno.readTextFileSync(`${REGISTRY_DIR}/${name}`);
}
