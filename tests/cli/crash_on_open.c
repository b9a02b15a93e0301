// Test-only: an LD_PRELOAD library that makes FFmpeg's avformat_open_input crash, abort, hang or
// exhaust memory for files whose name asks for it, so the batch tests can show what `avlens scan` and
// `avlens prep` do when a clip really kills the process reading it (tests/cli/batch.test.mjs). It is
// built by that test and never linked into avlens; every other file is opened by the real function.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct AVFormatContext;
struct AVInputFormat;
struct AVDictionary;

int avformat_open_input(struct AVFormatContext** ps, const char* url, const struct AVInputFormat* fmt,
                        struct AVDictionary** options) {
  if (url && strstr(url, "crash-segfault")) {
    volatile int* nowhere = NULL;
    *nowhere = 1;
  }
  if (url && strstr(url, "crash-abort")) abort();
  if (url && strstr(url, "crash-hang"))
    for (;;) pause();
  if (url && strstr(url, "crash-oom")) {
    // Only under an address-space limit (--clip-memory): never eat the test machine's memory.
    struct rlimit limit;
    if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) abort();
    for (;;) {  // as careless C code: allocate and use the result unchecked (one page each: the
                // address space runs out, not the machine's memory)
      volatile char* block = malloc(16 << 20);
      block[0] = 1;
    }
  }
  int (*real)(struct AVFormatContext**, const char*, const struct AVInputFormat*, struct AVDictionary**) =
      (int (*)(struct AVFormatContext**, const char*, const struct AVInputFormat*, struct AVDictionary**))dlsym(
          RTLD_NEXT, "avformat_open_input");
  return real(ps, url, fmt, options);
}
