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

/**
 * Returns a getter for `dll`'s symbols, each bound the first time it is used. Binding costs Deno a
 * trampoline a symbol — about 3 ms each under Wine, where opening kernel32's 42 symbols at once took over
 * 100 ms of the host's start — so a symbol the run never calls is never bound.
 */
export function lazyLibrary<S extends Deno.ForeignLibraryInterface>(
  dll: string,
  symbols: S,
): () => Deno.DynamicLibrary<S>["symbols"] {
  let bound: Deno.DynamicLibrary<S>["symbols"] | undefined;
  /** The one-symbol libraries opened: kept, so that nothing closes them. */
  const opened: Deno.DynamicLibrary<Deno.ForeignLibraryInterface>[] = [];
  return () => {
    if (bound) return bound;
    if (Deno.build.os !== "windows") {
      throw new Error(`${dll} is a Windows library; this code path runs only on Windows`);
    }
    lastError ??= Deno.dlopen("kernel32.dll", { GetLastError: { parameters: [], result: "u32" } });
    const table = {} as Record<string, unknown>;
    for (const name of Object.keys(symbols)) {
      Object.defineProperty(table, name, {
        configurable: true,
        enumerable: true,
        get() {
          // Before the call it is for, never between a failing call and getLastError.
          const library = Deno.dlopen(dll, { [name]: symbols[name] });
          opened.push(library);
          Object.defineProperty(table, name, { value: library.symbols[name], enumerable: true });
          return library.symbols[name];
        },
      });
    }
    bound = table as Deno.DynamicLibrary<S>["symbols"];
    return bound;
  };
}

/**
 * Binds `names` of a {@link lazyLibrary} now, so that their first call, on a path that must be quick (a
 * stop), doesn't pay for it.
 */
export function bindNow<S extends Record<string, unknown>>(
  library: () => S,
  names: readonly (keyof S)[],
): void {
  const symbols = library();
  for (const name of names) void symbols[name];
}
