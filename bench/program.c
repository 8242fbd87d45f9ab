/*
 * The program every contender supervises in the benchmarks: one source, built for Linux (gcc) and for
 * Windows (mingw-w64), so servitor, its peers and the floors all run exactly the same program. It knows
 * nothing of who supervises it. What it does is recorded, one line at a time, in a "mark" file (opened for
 * appending for each line): `start PID USEC`, `exit PID USEC`, `done PID USEC BYTES LINES`,
 * `signal PID USEC NAME`, with USEC the wall clock in microseconds — the same clock on both sides of a
 * restart, so exit-to-start gaps are measured by the program itself.
 *
 *   program idle MARK            runs until SIGINT or SIGTERM (Ctrl-C, Ctrl-Break, close), then exits at once
 *   program stubborn MARK        ignores SIGINT and SIGTERM (and Ctrl-C …): only a kill ends it
 *   program cycle MARK MS        writes a line, runs MS ms, exits 0 (for restart latency)
 *   program write MARK BYTES [FILE]
 *                                writes numbered lines to stdout through stdio until BYTES are written, then
 *                                records `done` and idles (so nobody restarts it); with FILE, stdout is
 *                                reopened onto FILE first (`program > file` where no shell redirects: under
 *                                Wine, cmd.exe's `>` gave a handle msvcrt wrote to unbuffered, a line a call)
 *   program expect BYTES         prints `BYTES LINES HASH` of what `write` writes
 *   program verify STRIP FILE…   prints `BYTES LINES HASH` of the files read as one stream, the first STRIP
 *                                bytes of each line (a logger's timestamp) left out
 *   program version              prints a line and exits (the floor of a command's start-up)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#endif

static const char *mark;
static int stubborn;

static uint64_t now_usec(void) {
#ifdef _WIN32
  FILETIME ft;
  GetSystemTimePreciseAsFileTime(&ft);
  uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
  return (t - 116444736000000000ULL) / 10;
#else
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
#endif
}

static unsigned long own_pid(void) {
#ifdef _WIN32
  return GetCurrentProcessId();
#else
  return (unsigned long)getpid();
#endif
}

/* Appends a decimal number to buf at *at (no stdio: this also runs inside a signal handler). */
static void put_number(char *buf, size_t *at, uint64_t n) {
  char digits[24];
  int count = 0;
  do digits[count++] = (char)('0' + n % 10); while ((n /= 10) > 0);
  while (count > 0) buf[(*at)++] = digits[--count];
}

static void put_text(char *buf, size_t *at, const char *text) {
  while (*text) buf[(*at)++] = *text++;
}

/* One record in the mark file: `WHAT PID USEC[ EXTRA…]`, written with one append. */
static void record(const char *what, uint64_t a, uint64_t b, const char *name) {
  char line[160];
  size_t at = 0;
  uint64_t usec = now_usec();
  put_text(line, &at, what);
  line[at++] = ' ';
  put_number(line, &at, own_pid());
  line[at++] = ' ';
  put_number(line, &at, usec);
  if (a || b) {
    line[at++] = ' ';
    put_number(line, &at, a);
    line[at++] = ' ';
    put_number(line, &at, b);
  }
  if (name) {
    line[at++] = ' ';
    put_text(line, &at, name);
  }
  line[at++] = '\n';
#ifdef _WIN32
  HANDLE file = CreateFileA(mark, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                            OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  if (file == INVALID_HANDLE_VALUE) return;
  DWORD written;
  WriteFile(file, line, (DWORD)at, &written, NULL);
  CloseHandle(file);
#else
  int fd = open(mark, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) return;
  ssize_t ignored = write(fd, line, at);
  (void)ignored;
  close(fd);
#endif
}

#ifdef _WIN32
static BOOL WINAPI on_console_event(DWORD event) {
  const char *name = event == CTRL_C_EVENT       ? "ctrl-c"
                     : event == CTRL_BREAK_EVENT ? "ctrl-break"
                     : event == CTRL_CLOSE_EVENT ? "close"
                                                 : "other";
  record("signal", 0, 0, name);
  if (!stubborn) ExitProcess(0);
  return TRUE;
}

static void catch_stop_requests(void) { SetConsoleCtrlHandler(on_console_event, TRUE); }

static void wait_for_ever(void) {
  /* A message loop, so WM_QUIT (NSSM's third stop method) has a queue to reach. */
  MSG message;
  while (GetMessageA(&message, NULL, 0, 0) > 0) DispatchMessageA(&message);
  if (!stubborn) {
    record("signal", 0, 0, "wm_quit");
    ExitProcess(0);
  }
  record("signal", 0, 0, "wm_quit-ignored");
  for (;;) Sleep(INFINITE);
}

static void sleep_ms(unsigned ms) { Sleep(ms); }
#else
static void on_signal(int signal) {
  record("signal", 0, 0, signal == SIGINT ? "SIGINT" : "SIGTERM");
  if (!stubborn) _exit(0);
}

static void catch_stop_requests(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
}

static void wait_for_ever(void) {
  for (;;) pause();
}

static void sleep_ms(unsigned ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
  while (nanosleep(&ts, &ts) != 0) {
  }
}
#endif

/* Line n: `out 00000042 ` then n % 61 x's and a newline, 14 to 74 bytes. */
static size_t make_line(uint64_t n, char *line) {
  size_t at = 0;
  put_text(line, &at, "out ");
  char digits[24];
  size_t count = 0;
  put_number(digits, &count, n);
  for (size_t pad = count; pad < 8; pad++) line[at++] = '0';
  memcpy(line + at, digits, count);
  at += count;
  line[at++] = ' ';
  size_t filler = (size_t)(n % 61);
  memset(line + at, 'x', filler);
  at += filler;
  line[at++] = '\n';
  return at;
}

/* FNV-1a, four lanes by stream position (so it runs at memory speed), folded into one 64-bit value. */
typedef struct {
  uint64_t lane[4];
  uint64_t bytes, lines;
} Hash;

static void hash_init(Hash *h) {
  for (int i = 0; i < 4; i++) h->lane[i] = 14695981039346656037ULL ^ (uint64_t)i;
  h->bytes = h->lines = 0;
}

static void hash_add(Hash *h, const unsigned char *data, size_t length) {
  for (size_t i = 0; i < length; i++) {
    uint64_t *lane = &h->lane[(h->bytes + i) & 3];
    *lane = (*lane ^ data[i]) * 1099511628211ULL;
    if (data[i] == '\n') h->lines++;
  }
  h->bytes += length;
}

static uint64_t hash_value(const Hash *h) {
  uint64_t v = 14695981039346656037ULL;
  for (int i = 0; i < 4; i++) v = (v ^ h->lane[i]) * 1099511628211ULL;
  return v;
}

static int usage(void) {
  fprintf(stderr, "usage: program idle|stubborn MARK | cycle MARK MS | write MARK BYTES | expect BYTES | "
                  "verify STRIP FILE... | version\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  const char *mode = argv[1];
  if (strcmp(mode, "version") == 0) {
    puts("bench program 1");
    return 0;
  }
  if (strcmp(mode, "expect") == 0 && argc == 3) {
    uint64_t target = strtoull(argv[2], NULL, 10);
    Hash h;
    hash_init(&h);
    char line[96];
    for (uint64_t n = 0; h.bytes < target; n++) hash_add(&h, (unsigned char *)line, make_line(n, line));
    printf("%llu %llu %016llx\n", (unsigned long long)h.bytes, (unsigned long long)h.lines,
           (unsigned long long)hash_value(&h));
    return 0;
  }
  if (strcmp(mode, "verify") == 0 && argc >= 3) {
    size_t strip = (size_t)strtoul(argv[2], NULL, 10);
    Hash h;
    hash_init(&h);
    size_t column = 0; /* bytes of the current line seen so far, stripped ones included */
    static unsigned char buffer[1 << 20];
    for (int f = 3; f < argc; f++) {
      FILE *file = fopen(argv[f], "rb");
      if (!file) {
        fprintf(stderr, "verify: cannot open %s\n", argv[f]);
        return 1;
      }
      size_t got;
      while ((got = fread(buffer, 1, sizeof buffer, file)) > 0) {
        size_t from = 0;
        while (from < got) {
          if (column < strip) {
            size_t skip = strip - column;
            if (skip > got - from) skip = got - from;
            /* A line shorter than the prefix is not what this logger writes: keep its bytes. */
            unsigned char *newline = memchr(buffer + from, '\n', skip);
            if (newline) skip = (size_t)(newline - (buffer + from));
            from += skip;
            column += skip;
            if (newline) {
              hash_add(&h, buffer + from, 1);
              from++;
              column = 0;
            }
            continue;
          }
          unsigned char *newline = memchr(buffer + from, '\n', got - from);
          size_t end = newline ? (size_t)(newline - buffer) + 1 : got;
          hash_add(&h, buffer + from, end - from);
          column = newline ? 0 : column + (end - from);
          from = end;
        }
      }
      fclose(file);
    }
    printf("%llu %llu %016llx\n", (unsigned long long)h.bytes, (unsigned long long)h.lines,
           (unsigned long long)hash_value(&h));
    return 0;
  }
  if (argc < 3) return usage();
  mark = argv[2];
  if (strcmp(mode, "idle") == 0 || strcmp(mode, "stubborn") == 0) {
    stubborn = strcmp(mode, "stubborn") == 0;
    catch_stop_requests();
    record("start", 0, 0, NULL);
    wait_for_ever();
  }
  if (strcmp(mode, "cycle") == 0 && argc == 4) {
    catch_stop_requests();
    record("start", 0, 0, NULL);
    fputs("started\n", stdout);
    fflush(stdout);
    sleep_ms((unsigned)strtoul(argv[3], NULL, 10));
    record("exit", 0, 0, NULL);
    return 0;
  }
  if (strcmp(mode, "write") == 0 && (argc == 4 || argc == 5)) {
    if (argc == 5 && !freopen(argv[4], "ab", stdout)) {
      fprintf(stderr, "write: cannot open %s\n", argv[4]);
      return 1;
    }
#ifdef _WIN32
    _setmode(_fileno(stdout), _O_BINARY);
#endif
    catch_stop_requests();
    record("start", 0, 0, NULL);
    uint64_t target = strtoull(argv[3], NULL, 10), bytes = 0, n = 0;
    char line[96];
    while (bytes < target) {
      size_t length = make_line(n++, line);
      if (fwrite(line, 1, length, stdout) != length) return 1;
      bytes += length;
    }
    if (fflush(stdout) != 0) return 1;
    record("done", bytes, n, NULL);
    wait_for_ever();
  }
  return usage();
}
