/**
 * kernel32.dll: the symbols servitor uses.
 * @module
 */
import { lazyLibrary } from "./library.ts";

const symbols = {
  FormatMessageW: {
    parameters: ["u32", "pointer", "u32", "u32", "buffer", "u32", "pointer"],
    result: "u32",
  },
  CloseHandle: { parameters: ["pointer"], result: "i32" },
  LocalFree: { parameters: ["pointer"], result: "pointer" },
  CreateJobObjectW: { parameters: ["pointer", "buffer"], result: "pointer" },
  SetInformationJobObject: { parameters: ["pointer", "u32", "buffer", "u32"], result: "i32" },
  QueryInformationJobObject: { parameters: ["pointer", "u32", "buffer", "u32", "buffer"], result: "i32" },
  AssignProcessToJobObject: { parameters: ["pointer", "pointer"], result: "i32" },
  TerminateJobObject: { parameters: ["pointer", "u32"], result: "i32" },
  IsProcessInJob: { parameters: ["pointer", "pointer", "buffer"], result: "i32" },
  // FileHandle, ExistingCompletionPort, CompletionKey, NumberOfConcurrentThreads
  CreateIoCompletionPort: { parameters: ["pointer", "pointer", "usize", "u32"], result: "pointer" },
  // CompletionPort, lpNumberOfBytesTransferred, lpCompletionKey, lpOverlapped, dwMilliseconds
  GetQueuedCompletionStatus: { parameters: ["pointer", "buffer", "buffer", "buffer", "u32"], result: "i32" },

  // Processes (ffi/process.ts)
  CreateProcessW: {
    // lpApplicationName, lpCommandLine, lpProcessAttributes, lpThreadAttributes, bInheritHandles,
    // dwCreationFlags, lpEnvironment, lpCurrentDirectory, lpStartupInfo, lpProcessInformation
    parameters: [
      "buffer",
      "buffer",
      "pointer",
      "pointer",
      "i32",
      "u32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  InitializeProcThreadAttributeList: { parameters: ["buffer", "u32", "u32", "buffer"], result: "i32" },
  UpdateProcThreadAttribute: {
    parameters: ["buffer", "u32", "usize", "buffer", "usize", "pointer", "pointer"],
    result: "i32",
  },
  DeleteProcThreadAttributeList: { parameters: ["buffer"], result: "void" },
  ResumeThread: { parameters: ["pointer"], result: "u32" },
  TerminateProcess: { parameters: ["pointer", "u32"], result: "i32" },
  OpenProcess: { parameters: ["u32", "i32", "u32"], result: "pointer" },
  GetCurrentProcess: { parameters: [], result: "pointer" },
  GetExitCodeProcess: { parameters: ["pointer", "buffer"], result: "i32" },
  // For a zero timeout, which returns at once.
  WaitForSingleObjectNow: { name: "WaitForSingleObject", parameters: ["pointer", "u32"], result: "u32" },
  // Every wait of the process (programs' ends, pipes' reads) is one call of it, on another thread, so that
  // the event loop stays free (ffi/wait.ts). nCount, lpHandles, bWaitAll, dwMilliseconds
  WaitForMultipleObjects: { parameters: ["u32", "buffer", "i32", "u32"], result: "u32", nonblocking: true },
  // lpEventAttributes, bManualReset, bInitialState, lpName
  CreateEventW: { parameters: ["pointer", "i32", "i32", "pointer"], result: "pointer" },
  SetEvent: { parameters: ["pointer"], result: "i32" },
  GetProcessAffinityMask: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  SetProcessAffinityMask: { parameters: ["pointer", "usize"], result: "i32" },
  GetPriorityClass: { parameters: ["pointer"], result: "u32" },
  GetProcessTimes: { parameters: ["pointer", "buffer", "buffer", "buffer", "buffer"], result: "i32" },
  // psapi's GetProcessMemoryInfo, exported by kernel32 since Windows 7.
  K32GetProcessMemoryInfo: { parameters: ["pointer", "buffer", "u32"], result: "i32" },
  SetPriorityClass: { parameters: ["pointer", "u32"], result: "i32" },
  CreateToolhelp32Snapshot: { parameters: ["u32", "u32"], result: "pointer" },
  Process32FirstW: { parameters: ["pointer", "buffer"], result: "i32" },
  Process32NextW: { parameters: ["pointer", "buffer"], result: "i32" },
  Thread32First: { parameters: ["pointer", "buffer"], result: "i32" },
  Thread32Next: { parameters: ["pointer", "buffer"], result: "i32" },

  // Handles, files and pipes (ffi/process.ts)
  CreateFileW: {
    // lpFileName, dwDesiredAccess, dwShareMode, lpSecurityAttributes, dwCreationDisposition,
    // dwFlagsAndAttributes, hTemplateFile
    parameters: ["buffer", "u32", "u32", "buffer", "u32", "u32", "pointer"],
    result: "pointer",
  },
  // lpName, dwOpenMode, dwPipeMode, nMaxInstances, nOutBufferSize, nInBufferSize, nDefaultTimeOut,
  // lpSecurityAttributes
  CreateNamedPipeW: {
    parameters: ["buffer", "u32", "u32", "u32", "u32", "u32", "u32", "buffer"],
    result: "pointer",
  },
  // Overlapped: it returns at once, and the read completes later (ffi/pipe.ts).
  // hFile, lpBuffer, nNumberOfBytesToRead, lpNumberOfBytesRead, lpOverlapped
  ReadFile: { parameters: ["pointer", "buffer", "u32", "pointer", "buffer"], result: "i32" },
  // hFile, lpOverlapped, lpNumberOfBytesTransferred, bWait
  GetOverlappedResult: { parameters: ["pointer", "buffer", "buffer", "i32"], result: "i32" },
  CancelIoEx: { parameters: ["pointer", "buffer"], result: "i32" },
  SetHandleInformation: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  GetHandleInformation: { parameters: ["pointer", "buffer"], result: "i32" },
  GetStdHandle: { parameters: ["u32"], result: "pointer" },
  SetStdHandle: { parameters: ["u32", "pointer"], result: "i32" },
  DuplicateHandle: {
    parameters: ["pointer", "pointer", "pointer", "buffer", "u32", "i32", "u32"],
    result: "i32",
  },

  // Consoles (ffi/console.ts)
  AttachConsole: { parameters: ["u32"], result: "i32" },
  FreeConsole: { parameters: [], result: "i32" },
  AllocConsole: { parameters: [], result: "i32" },
  GetConsoleProcessList: { parameters: ["buffer", "u32"], result: "u32" },
  SetConsoleCtrlHandler: { parameters: ["pointer", "i32"], result: "i32" },
  GenerateConsoleCtrlEvent: { parameters: ["u32", "u32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

export const kernel32 = lazyLibrary("kernel32.dll", symbols);
