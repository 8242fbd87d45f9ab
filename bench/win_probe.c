/*
 * What a Windows process costs, as Windows reports it (Task Manager's columns): `win_probe PID…` prints one
 * line per process, `PID PRIVATE_BYTES WORKING_SET CPU_100NS` (user + kernel time), or `PID gone`.
 * The counters are GetProcessMemoryInfo's and GetProcessTimes'; no other source is read.
 * The benchmarks (bench/) run it under Wine for servitor's host, NSSM and the C floor service alike.
 */
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    DWORD pid = (DWORD)strtoul(argv[i], NULL, 10);
    HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_VM_READ, FALSE, pid);
    PROCESS_MEMORY_COUNTERS_EX memory = {.cb = sizeof memory};
    FILETIME created, exited, kernel, user;
    if (!process || !GetProcessMemoryInfo(process, (PROCESS_MEMORY_COUNTERS *)&memory, sizeof memory) ||
        !GetProcessTimes(process, &created, &exited, &kernel, &user)) {
      printf("%lu gone\n", (unsigned long)pid);
      if (process) CloseHandle(process);
      continue;
    }
    ULONGLONG cpu = (((ULONGLONG)kernel.dwHighDateTime << 32) | kernel.dwLowDateTime) +
                    (((ULONGLONG)user.dwHighDateTime << 32) | user.dwLowDateTime);
    /* Private bytes: the commit charge. Windows reports it as both PagefileUsage and PrivateUsage; Wine 10
     * fills PagefileUsage only (PrivateUsage reads 0, seen under the test-bed's Wine). */
    printf("%lu %llu %llu %llu\n", (unsigned long)pid, (unsigned long long)memory.PagefileUsage,
           (unsigned long long)memory.WorkingSetSize, (unsigned long long)cpu);
    CloseHandle(process);
  }
  return 0;
}
