/*
 * The floor of a Windows service: the least any service can do on an SCM. ServiceMain reports RUNNING at
 * once; a stop or shutdown control wakes it, and it reports STOPPED at once, after which the dispatcher
 * returns. It runs nothing and supervises nothing: a yardstick for the benchmarks (bench/), not a product.
 *
 * STOPPED is reported by ServiceMain, not inside the handler: reporting the last service STOPPED lets
 * StartServiceCtrlDispatcherW return and the process exit, and Wine's dispatcher writes the handler's
 * answer to the SCM only after the handler returns — from inside the handler, ControlService then often
 * failed with ERROR_BROKEN_PIPE (seen under Wine 10). Windows' own samples report it outside the handler too.
 *
 *   x86_64-w64-mingw32-gcc -O2 -municode -o floor_service.exe floor_service.c   (bench/build.ts does it)
 */
#include <windows.h>

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_requested;

static DWORD WINAPI handler(DWORD control, DWORD event_type, LPVOID event_data, LPVOID context) {
  (void)event_type;
  (void)event_data;
  (void)context;
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
      SetEvent(stop_requested);
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv) {
  (void)argc;
  status_handle = RegisterServiceCtrlHandlerExW(argv[0], handler, NULL);
  if (!status_handle) return;
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = SERVICE_RUNNING;
  status.dwControlsAccepted = SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN;
  SetServiceStatus(status_handle, &status);
  WaitForSingleObject(stop_requested, INFINITE);
  status.dwCurrentState = SERVICE_STOPPED;
  status.dwControlsAccepted = 0;
  SetServiceStatus(status_handle, &status);
}

int wmain(void) {
  stop_requested = CreateEventW(NULL, FALSE, FALSE, NULL);
  SERVICE_TABLE_ENTRYW table[] = {{L"", service_main}, {NULL, NULL}};
  return StartServiceCtrlDispatcherW(table) ? 0 : (int)GetLastError();
}
