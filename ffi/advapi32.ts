/**
 * advapi32.dll: the Service Control Manager's API, as servitor uses it.
 * @module
 */
import { lazyLibrary } from "./library.ts";

const symbols = {
  OpenSCManagerW: { parameters: ["buffer", "buffer", "u32"], result: "pointer" },
  CloseServiceHandle: { parameters: ["pointer"], result: "i32" },
  CreateServiceW: {
    // hSCManager, lpServiceName, lpDisplayName, dwDesiredAccess, dwServiceType, dwStartType, dwErrorControl,
    // lpBinaryPathName, lpLoadOrderGroup, lpdwTagId, lpDependencies, lpServiceStartName, lpPassword
    parameters: [
      "pointer",
      "buffer",
      "buffer",
      "u32",
      "u32",
      "u32",
      "u32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "pointer",
  },
  OpenServiceW: { parameters: ["pointer", "buffer", "u32"], result: "pointer" },
  DeleteService: { parameters: ["pointer"], result: "i32" },
  StartServiceW: { parameters: ["pointer", "u32", "buffer"], result: "i32" },
  ControlService: { parameters: ["pointer", "u32", "buffer"], result: "i32" },
  QueryServiceStatusEx: { parameters: ["pointer", "u32", "buffer", "u32", "buffer"], result: "i32" },
  QueryServiceConfigW: { parameters: ["pointer", "buffer", "u32", "buffer"], result: "i32" },
  QueryServiceConfig2W: { parameters: ["pointer", "u32", "buffer", "u32", "buffer"], result: "i32" },
  ChangeServiceConfigW: {
    // hService, dwServiceType, dwStartType, dwErrorControl, lpBinaryPathName, lpLoadOrderGroup, lpdwTagId,
    // lpDependencies, lpServiceStartName, lpPassword, lpDisplayName
    parameters: [
      "pointer",
      "u32",
      "u32",
      "u32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  ChangeServiceConfig2W: { parameters: ["pointer", "u32", "buffer"], result: "i32" },
  EnumServicesStatusExW: {
    // hSCManager, InfoLevel, dwServiceType, dwServiceState, lpServices, cbBufSize, pcbBytesNeeded,
    // lpServicesReturned, lpResumeHandle, pszGroupName
    parameters: ["pointer", "u32", "u32", "u32", "buffer", "u32", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  // Blocks until every service of the process has stopped: nonblocking keeps the event loop, which runs
  // the ServiceMain and HandlerEx callbacks, free (../shared/notes/testbed.md).
  StartServiceCtrlDispatcherW: { parameters: ["buffer"], result: "i32", nonblocking: true },
  RegisterServiceCtrlHandlerExW: { parameters: ["buffer", "function", "pointer"], result: "pointer" },
  SetServiceStatus: { parameters: ["pointer", "buffer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

export const advapi32 = lazyLibrary("advapi32.dll", symbols);
