/* A disk that fills up, for the real musicboxd binary (LD_PRELOAD).
 *
 * Writes through pwrite, pwritev (and their 64 forms) and write to files whose path contains FAKE_FULL_DISK_PATH succeed until
 * FAKE_FULL_DISK_LIMIT bytes in all have been written there; after that they fail with
 * ENOSPC, as a full file system would. Everything else passes straight to libc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long written_so_far;

static int watched(int fd) {
    const char *dir = getenv("FAKE_FULL_DISK_PATH");
    if (!dir || !*dir) return 0;
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) return 0;
    target[n] = 0;
    return strstr(target, dir) != NULL;
}

/* How much of `count` may still be written; -1 with ENOSPC once the disk is full. */
static ssize_t allowance(int fd, size_t count) {
    if (!watched(fd)) return (ssize_t)count;
    const char *limit_text = getenv("FAKE_FULL_DISK_LIMIT");
    long long limit = limit_text ? atoll(limit_text) : 0;
    long long left = limit - __atomic_load_n(&written_so_far, __ATOMIC_SEQ_CST);
    if (left <= 0) {
        errno = ENOSPC;
        return -1;
    }
    return (ssize_t)((long long)count < left ? (long long)count : left);
}

static void account(int fd, ssize_t done) {
    if (done > 0 && watched(fd)) __atomic_add_fetch(&written_so_far, done, __ATOMIC_SEQ_CST);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) real = dlsym(RTLD_NEXT, "pwrite");
    ssize_t allowed = allowance(fd, count);
    if (allowed < 0) return -1;
    ssize_t done = real(fd, buf, (size_t)allowed, offset);
    account(fd, done);
    return done;
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) real = dlsym(RTLD_NEXT, "pwrite64");
    ssize_t allowed = allowance(fd, count);
    if (allowed < 0) return -1;
    ssize_t done = real(fd, buf, (size_t)allowed, offset);
    account(fd, done);
    return done;
}

ssize_t write(int fd, const void *buf, size_t count) {
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) real = dlsym(RTLD_NEXT, "write");
    ssize_t allowed = allowance(fd, count);
    if (allowed < 0) return -1;
    ssize_t done = real(fd, buf, (size_t)allowed);
    account(fd, done);
    return done;
}

/* Vectored writes: the allowance trims the vector to what may still be written. */
static ssize_t vectored(ssize_t (*real)(int, const struct iovec *, int, off_t), int fd, const struct iovec *iov, int count, off_t offset) {
    size_t total = 0;
    for (int i = 0; i < count; i++) total += iov[i].iov_len;
    ssize_t allowed = allowance(fd, total);
    if (allowed < 0) return -1;
    struct iovec trimmed[count > 0 ? count : 1];
    int used = 0;
    size_t left = (size_t)allowed;
    for (int i = 0; i < count && left > 0; i++) {
        trimmed[used] = iov[i];
        if (trimmed[used].iov_len > left) trimmed[used].iov_len = left;
        left -= trimmed[used].iov_len;
        used++;
    }
    ssize_t done = real(fd, trimmed, used, offset);
    account(fd, done);
    return done;
}

ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t offset) {
    static ssize_t (*real)(int, const struct iovec *, int, off_t);
    if (!real) real = dlsym(RTLD_NEXT, "pwritev");
    return vectored(real, fd, iov, count, offset);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int count, off_t offset) {
    static ssize_t (*real)(int, const struct iovec *, int, off_t);
    if (!real) real = dlsym(RTLD_NEXT, "pwritev64");
    return vectored(real, fd, iov, count, offset);
}
