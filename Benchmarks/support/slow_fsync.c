/*
 * A slow disk for benchmarks: preloaded (LD_PRELOAD), it makes every fsync and fdatasync of the
 * process wait SLOW_FSYNC_MS milliseconds (default 40) before doing the real one, as a busy SD
 * card does (10-500 ms per flush under load). Nothing else changes.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void wait_a_while(void) {
    const char *text = getenv("SLOW_FSYNC_MS");
    long ms = text ? atol(text) : 40;
    struct timespec delay = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&delay, &delay) != 0) {}
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    wait_a_while();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    wait_a_while();
    return real(fd);
}
