/*
 * A fake libgpiod (v1 API) for tests on machines without GPIO: preloaded into the real daemon
 * (LD_PRELOAD), it replaces the functions musicboxd calls and turns lines written to a FIFO into
 * edge events, so the daemon's real libgpiod code path runs end to end.
 *
 *   FAKE_GPIOD_CHIP     the one chip that exists (default gpiochip0); any other name fails ENOENT
 *   FAKE_GPIOD_CONTROL  a FIFO; each line "OFFSET rising|falling" is an edge on that line
 *   FAKE_GPIOD_LOG      optional file: "request OFFSET FLAGS" for every line requested
 */
#include <gpiod.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINES 512

struct gpiod_chip { int unused; };
struct gpiod_line { unsigned int offset; int requested; int value; int fds[2]; };

static struct gpiod_chip the_chip;
static struct gpiod_line lines[MAX_LINES];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t started = PTHREAD_ONCE_INIT;

static void *control_thread(void *unused) {
    (void)unused;
    const char *path = getenv("FAKE_GPIOD_CONTROL");
    if (!path) return NULL;
    for (;;) {
        FILE *control = fopen(path, "r");
        if (!control) return NULL;
        char edge[16];
        unsigned int offset;
        while (fscanf(control, "%u %15s", &offset, edge) == 2) {
            if (offset >= MAX_LINES) continue;
            struct gpiod_line_event event;
            clock_gettime(CLOCK_MONOTONIC, &event.ts);
            event.event_type = strcmp(edge, "rising") == 0 ? GPIOD_LINE_EVENT_RISING_EDGE : GPIOD_LINE_EVENT_FALLING_EDGE;
            pthread_mutex_lock(&lock);
            lines[offset].value = event.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
            if (lines[offset].requested) {
                ssize_t ignored = write(lines[offset].fds[1], &event, sizeof event);
                (void)ignored;
            }
            pthread_mutex_unlock(&lock);
        }
        fclose(control);
    }
}

static void start_control(void) {
    for (unsigned int i = 0; i < MAX_LINES; i++) { lines[i].offset = i; lines[i].value = 1; }
    pthread_t thread;
    pthread_create(&thread, NULL, control_thread, NULL);
    pthread_detach(thread);
}

struct gpiod_chip *gpiod_chip_open_lookup(const char *descr) {
    const char *name = getenv("FAKE_GPIOD_CHIP");
    if (strcmp(descr, name ? name : "gpiochip0") != 0) { errno = ENOENT; return NULL; }
    pthread_once(&started, start_control);
    return &the_chip;
}

void gpiod_chip_close(struct gpiod_chip *chip) { (void)chip; }

struct gpiod_line *gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset) {
    (void)chip;
    if (offset >= 54) { errno = EINVAL; return NULL; }  /* a Pi's BCM2711 has 58 lines, the header 28 */
    return &lines[offset];
}

unsigned int gpiod_line_offset(struct gpiod_line *line) { return line->offset; }

int gpiod_line_request_both_edges_events_flags(struct gpiod_line *line, const char *consumer, int flags) {
    (void)consumer;
    pthread_mutex_lock(&lock);
    if (line->requested) { pthread_mutex_unlock(&lock); errno = EBUSY; return -1; }
    if (pipe(line->fds) != 0) { pthread_mutex_unlock(&lock); return -1; }
    line->requested = 1;
    pthread_mutex_unlock(&lock);
    const char *log = getenv("FAKE_GPIOD_LOG");
    if (log) {
        FILE *out = fopen(log, "a");
        if (out) { fprintf(out, "request %u %d\n", line->offset, flags); fclose(out); }
    }
    return 0;
}

int gpiod_line_event_get_fd(struct gpiod_line *line) { return line->requested ? line->fds[0] : -1; }

int gpiod_line_event_read(struct gpiod_line *line, struct gpiod_line_event *event) {
    return read(line->fds[0], event, sizeof *event) == (ssize_t)sizeof *event ? 0 : -1;
}

int gpiod_line_get_value(struct gpiod_line *line) { return line->value; }

void gpiod_line_release(struct gpiod_line *line) {
    pthread_mutex_lock(&lock);
    if (line->requested) { close(line->fds[0]); close(line->fds[1]); line->requested = 0; }
    pthread_mutex_unlock(&lock);
}
