/*
 * A fake libgpiod (v1 API) for tests on machines without GPIO: preloaded into the real daemon
 * (LD_PRELOAD), it replaces the functions musicboxd calls and turns lines written to a FIFO into
 * edge events, so the daemon's real libgpiod code path runs end to end.
 *
 *   FAKE_GPIOD_CHIP     the one chip that exists (default gpiochip0); any other name fails ENOENT
 *   FAKE_GPIOD_CONTROL  a FIFO; each line "OFFSET rising|falling" is an edge on that line
 *   FAKE_GPIOD_LOG      optional file: "request OFFSET BIAS" for every line requested (as fake_gpiod_v2.c)
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

/* One scripted edge: the line's level, and an event for whoever has requested it. */
static void edge_event(unsigned int offset, int rising) {
    struct gpiod_line_event event;
    clock_gettime(CLOCK_MONOTONIC, &event.ts);
    event.event_type = rising ? GPIOD_LINE_EVENT_RISING_EDGE : GPIOD_LINE_EVENT_FALLING_EDGE;
    pthread_mutex_lock(&lock);
    lines[offset].value = event.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
    if (lines[offset].requested) {
        ssize_t ignored = write(lines[offset].fds[1], &event, sizeof event);
        (void)ignored;
    }
    pthread_mutex_unlock(&lock);
}

static void *control_thread(void *unused) {
    (void)unused;
    const char *path = getenv("FAKE_GPIOD_CONTROL");
    if (!path) return NULL;
    /* Plain read(2), no stdio: a thread blocked in fscanf holds its FILE's lock, and glibc 2.41
     * (trixie) takes every stream's lock when the process exits, so the daemon could never exit. */
    for (;;) {
        int control = open(path, O_RDONLY);
        if (control < 0) return NULL;
        char text[256];
        size_t used = 0;
        ssize_t got;
        while ((got = read(control, text + used, sizeof text - 1 - used)) > 0) {
            used += (size_t)got;
            text[used] = 0;
            char *line = text, *newline;
            while ((newline = strchr(line, '\n'))) {
                *newline = 0;
                char edge[16];
                unsigned int offset;
                if (sscanf(line, "%u %15s", &offset, edge) == 2 && offset < MAX_LINES) edge_event(offset, strcmp(edge, "rising") == 0);
                line = newline + 1;
            }
            used = strlen(line);
            memmove(text, line, used + 1);
            if (used == sizeof text - 1) used = 0;  /* a line longer than any edge: dropped */
        }
        close(control);
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
        const char *bias = flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP ? "pull-up"
                         : flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN ? "pull-down"
                         : flags & GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE ? "disabled" : "as-is";
        if (out) { fprintf(out, "request %u %s\n", line->offset, bias); fclose(out); }
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
