/**
 * Opens a DLL on first use, and only on Windows: importing any module of servitor on Linux never fails,
 * and calling into Win32 there fails with one clear error.
 * @module
 */

let lastError: Deno.DynamicLibrary<{ GetLastError: { parameters: []; result: "u32" } }> | undefined;

/**
 * GetLastError, from a kernel32 handle opened before any other DLL: loading a DLL resets the thread's last
 * error, so it must never be loaded between a failing call and the reading of its error.
 */
export function getLastError(): number {
  if (!lastError) throw new Error("GetLastError read before any Win32 call was made");
  return lastError.symbols.GetLastError();
}

/** Returns a getter for `dll`'s symbols that opens the DLL the first time it is called. */
export function lazyLibrary<S extends Deno.ForeignLibraryInterface>(
  dll: string,
  symbols: S,
): () => Deno.DynamicLibrary<S>["symbols"] {
  let library: Deno.DynamicLibrary<S> | undefined;
  return () => {
    if (!library) {
      if (Deno.build.os !== "windows") {
        throw new Error(`${dll} is a Windows library; this code path runs only on Windows`);
      }
      lastError ??= Deno.dlopen("kernel32.dll", { GetLastError: { parameters: [], result: "u32" } });
      library = Deno.dlopen(dll, symbols);
    }
    return library.symbols;
  };
}
