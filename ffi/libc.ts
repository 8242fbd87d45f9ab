/**
 * libc.so.6: the one datagram servitor sends on Linux, sd_notify(3)'s message to systemd. Deno's stable API
 * has no unix datagram socket (Deno.listenDatagram needs --unstable-net in 2.9.5), and a message sent from
 * this very process is the only kind systemd takes under the default NotifyAccess=main. And a pipe's
 * capacity (fcntl F_SETPIPE_SZ), which Deno.Command does not set; a rename that never replaces (renameat2
 * RENAME_NOREPLACE), which Deno.rename can't ask for; a file's descriptor for a program's stdout or stderr,
 * which Deno.open does not give (node:fs would, but loads Node's file system layer, ~6 MiB, into every host);
 * malloc_trim(3), which hands the memory freed after start-up back to the system; and read(2) on the host's
 * non-blocking end of a program's pipe, which takes what is there without a trip through the event loop.
 * @module
 */

/** socket(2)'s domain, type and flags, sendto(2)'s flag, as glibc's headers on x86_64 and aarch64 define them. */
const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
/** No SIGPIPE (which would end the process) when the other end is gone: an error is returned instead. */
const MSG_NOSIGNAL = 0x4000;
/** sizeof(struct sockaddr_un): sa_family_t (2 bytes) then sun_path[108]. */
const SOCKADDR_UN_SIZE = 110;
const SUN_PATH_OFFSET = 2;
/** fcntl(2)'s command to set a pipe's capacity (Linux 2.6.35; <linux/fcntl.h>: F_LINUX_SPECIFIC_BASE + 7). */
const F_SETPIPE_SZ = 1031;
/** fcntl(2)'s command to read a descriptor's status flags, and the flag of a non-blocking one (<asm-generic/fcntl.h>). */
const F_GETFL = 3;
const O_NONBLOCK = 0o4000;
/** renameat2(2): paths relative to the working directory, and fail with EEXIST rather than replace (<linux/fcntl.h>, <linux/fs.h>). */
const AT_FDCWD = -100;
const RENAME_NOREPLACE = 1;
/** open(2)'s flags as `>>` uses them, and close-on-exec so only the descriptor made the program's stream reaches it. */
const O_WRONLY = 0o1;
const O_CREAT = 0o100;
const O_APPEND = 0o2000;
const O_CLOEXEC = 0o2000000;
/** errno values (<asm-generic/errno-base.h>, <asm-generic/errno.h>). */
const EPERM = 1;
const ENOENT = 2;
const EINTR = 4;
const EAGAIN = 11;
const EACCES = 13;
const EEXIST = 17;
const EISDIR = 21;
const EINVAL = 22;
const ENOSYS = 38;

const symbols = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // fd, buf, len, flags, dest_addr, addrlen
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  // path, flags, mode (variadic in C; the mode is read only with O_CREAT)
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  // fd, buf, count
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  // fd, cmd, arg (an int for F_SETPIPE_SZ, ignored for F_GETFL)
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // olddirfd, oldpath, newdirfd, newpath, flags (glibc 2.28)
  renameat2: { parameters: ["i32", "buffer", "i32", "buffer", "u32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  // pad: how much free memory to keep at the top of the heap
  malloc_trim: { parameters: ["usize"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

let library: Deno.DynamicLibrary<typeof symbols> | undefined;

/** Opens libc on first use, only on Linux. Throws Deno.errors.NotCapable without --allow-ffi. */
function libc(): Deno.DynamicLibrary<typeof symbols>["symbols"] {
  if (!library) {
    if (Deno.build.os !== "linux") throw new Error("libc.so.6 is opened only on Linux");
    library = Deno.dlopen("libc.so.6", symbols);
  }
  return library.symbols;
}

/** Whether this process may call libc (--allow-ffi), opening it when it may. */
export function libcAvailable(): boolean {
  try {
    libc();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) return false;
    throw error;
  }
}

/** errno, read on the main thread right after the synchronous call that set it. */
function errno(): number {
  const location = libc().__errno_location();
  return location ? new Deno.UnsafePointerView(location).getInt32() : 0;
}

/**
 * struct sockaddr_un for `path`, and its length. A path starting with `@` is in the abstract namespace
 * (unix(7)): the `@` becomes a NUL and the length counts no terminator.
 */
export function unixAddress(path: string): { address: Uint8Array<ArrayBuffer>; length: number } {
  const bytes = new TextEncoder().encode(path);
  const abstract = path.startsWith("@");
  if (bytes.length + (abstract ? 0 : 1) > SOCKADDR_UN_SIZE - SUN_PATH_OFFSET) {
    throw new RangeError(`the socket path ${path} is longer than a unix socket address can hold`);
  }
  const address = new Uint8Array(SOCKADDR_UN_SIZE);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  address.set(bytes, SUN_PATH_OFFSET);
  if (abstract) address[SUN_PATH_OFFSET] = 0;
  return { address, length: SUN_PATH_OFFSET + bytes.length + (abstract ? 0 : 1) };
}

/** Sends one datagram to the unix socket at `path`. Throws an Error naming errno when it fails. */
export function sendUnixDatagram(path: string, data: Uint8Array<ArrayBuffer>): void {
  const { address, length } = unixAddress(path);
  const c = libc();
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket(AF_UNIX, SOCK_DGRAM) failed: errno ${errno()}`);
  try {
    const sent = c.sendto(fd, data, BigInt(data.length), MSG_NOSIGNAL, address, length);
    if (sent < 0) throw new Error(`sendto(${path}) failed: errno ${errno()}`);
  } finally {
    c.close(fd);
  }
}

/**
 * Sets the capacity of the pipe open as `fd` in this process to at least `bytes` (the kernel rounds up to a
 * power of two of pages; unprivileged, at most /proc/sys/fs/pipe-max-size). Returns the new capacity, or
 * undefined when it was refused (the pipe keeps the capacity it had).
 */
export function setPipeCapacity(fd: number, bytes: number): number | undefined {
  const capacity = libc().fcntl(fd, F_SETPIPE_SZ, bytes);
  return capacity < 0 ? undefined : capacity;
}

/** Whether the descriptor `fd` of this process is open and non-blocking (O_NONBLOCK), so a read never waits. */
export function isNonBlocking(fd: number): boolean {
  const flags = libc().fcntl(fd, F_GETFL, 0);
  return flags >= 0 && (flags & O_NONBLOCK) !== 0;
}

/**
 * Reads into `buffer` what the non-blocking descriptor `fd` holds now (read(2)): the number of bytes, 0 at the
 * end of the stream, undefined when nothing is there yet. Throws an Error naming errno when the read fails.
 */
export function readAvailable(fd: number, buffer: Uint8Array<ArrayBuffer>): number | undefined {
  const count = Number(libc().read(fd, buffer, BigInt(buffer.length)));
  if (count >= 0) return count;
  const code = errno();
  if (code === EAGAIN || code === EINTR) return undefined;
  throw new Error(`read(${fd}) failed: errno ${code}`);
}

/**
 * Opens `file` as `>>` does — write-only, appended to, made (0666 less the umask) when missing — and returns
 * its descriptor, close-on-exec, for a child's stdout or stderr; {@link closeDescriptor} closes it. Throws
 * Deno.errors.NotFound or PermissionDenied as Deno.open would, an Error naming errno otherwise.
 */
export function openForAppend(file: string): number {
  const fd = libc().open(cString(file), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o666);
  if (fd >= 0) return fd;
  const code = errno();
  if (code === ENOENT) throw new Deno.errors.NotFound(`No such file or directory: ${file}`);
  if (code === EACCES || code === EPERM) throw new Deno.errors.PermissionDenied(`Permission denied: ${file}`);
  if (code === EISDIR) throw new Deno.errors.IsADirectory(`Is a directory: ${file}`);
  throw new Error(`open(${file}) failed: errno ${code}`);
}

/** Closes a descriptor {@link openForAppend} gave. */
export function closeDescriptor(fd: number): void {
  libc().close(fd);
}

/**
 * Returns the memory malloc holds free to the system (malloc_trim(3), glibc). Deno frees what it used to
 * start — on the first run of a module, the parse of its source for its imports: about 18 MiB for the
 * bundled build — but glibc keeps freed memory in the process, counted in its RSS for its whole life.
 */
export function trimHeap(): void {
  libc().malloc_trim(0n);
}

/**
 * Renames `from` to `to` unless `to` exists (renameat2 RENAME_NOREPLACE): atomic, where creating `to` first
 * and renaming over it would not be — and on ext4 that replacing rename also makes the caller write back
 * the renamed file's data (auto_da_alloc) before it returns. "taken" when `to` exists; "unsupported" when
 * the kernel or the file system can't, off Linux, or without --allow-ffi (then nothing happened). Throws Deno.errors.NotFound or
 * PermissionDenied as Deno.rename would, an Error naming errno otherwise.
 */
export function renameNoReplace(from: string, to: string): "renamed" | "taken" | "unsupported" {
  if (!renamesWithoutReplacing()) return "unsupported";
  const c = libc();
  const result = c.renameat2(AT_FDCWD, cString(from), AT_FDCWD, cString(to), RENAME_NOREPLACE);
  if (result === 0) return "renamed";
  const code = errno();
  if (code === EEXIST) return "taken";
  if (code === EINVAL || code === ENOSYS) return "unsupported";
  if (code === ENOENT) throw new Deno.errors.NotFound(`${from} or the folder of ${to} does not exist`);
  if (code === EACCES || code === EPERM) {
    throw new Deno.errors.PermissionDenied(`renaming ${from} to ${to}: permission denied`);
  }
  throw new Error(`renameat2(${from}, ${to}) failed: errno ${code}`);
}

/** Whether {@link renameNoReplace} can be tried here: on Linux, with --allow-ffi. */
export function renamesWithoutReplacing(): boolean {
  return Deno.build.os === "linux" && libcAvailable();
}

function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}
