/*
 * A fake libgpiod (v2 API, libgpiod 2.x as on Debian 13) for tests on machines without GPIO:
 * the twin of fake_gpiod.c (v1). Preloaded into the real daemon (LD_PRELOAD), it replaces the
 * functions musicboxd calls and turns lines written to a FIFO into edge events, so the daemon's
 * real libgpiod v2 code path runs end to end.
 *
 *   FAKE_GPIOD_CHIP     the one chip that exists (default gpiochip0, at /dev/<name>, label
 *                       "pinctrl-bcm2711"); any other path fails ENOENT
 *   FAKE_GPIOD_CONTROL  a FIFO; each line "OFFSET rising|falling" is an edge on that line
 *   FAKE_GPIOD_LOG      optional file: "request OFFSET BIAS" for every line requested
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
#define CHIP_LINES 54 /* a Pi's BCM2711 has 58 lines, the header 28 */

struct gpiod_chip { int unused; };
struct gpiod_chip_info { int unused; };
struct gpiod_line_settings { enum gpiod_line_bias bias; enum gpiod_line_edge edge; enum gpiod_line_direction direction; };
struct gpiod_line_config { unsigned int offsets[MAX_LINES]; struct gpiod_line_settings settings[MAX_LINES]; size_t count; };
struct gpiod_request_config { char consumer[64]; };
struct gpiod_line_request { unsigned int offsets[MAX_LINES]; size_t count; int fds[2]; };
struct gpiod_edge_event { enum gpiod_edge_event_type type; uint64_t timestamp_ns; unsigned int offset; };
struct gpiod_edge_event_buffer { size_t capacity; size_t count; struct gpiod_edge_event *events; };

static struct gpiod_chip the_chip;
static struct gpiod_chip_info the_info;
static struct gpiod_line_request *owner[MAX_LINES];
static int values[MAX_LINES];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t started = PTHREAD_ONCE_INIT;

/* One scripted edge: the line's level, and an event for whoever has requested it. */
static void edge_event(unsigned int offset, int rising) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct gpiod_edge_event event = {
        .type = rising ? GPIOD_EDGE_EVENT_RISING_EDGE : GPIOD_EDGE_EVENT_FALLING_EDGE,
        .timestamp_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec,
        .offset = offset,
    };
    pthread_mutex_lock(&lock);
    values[offset] = event.type == GPIOD_EDGE_EVENT_RISING_EDGE;
    if (owner[offset]) {
        ssize_t ignored = write(owner[offset]->fds[1], &event, sizeof event);
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
    for (unsigned int i = 0; i < MAX_LINES; i++) values[i] = 1;
    pthread_t thread;
    pthread_create(&thread, NULL, control_thread, NULL);
    pthread_detach(thread);
}

static const char *chip_name(void) {
    const char *name = getenv("FAKE_GPIOD_CHIP");
    return name ? name : "gpiochip0";
}

struct gpiod_chip *gpiod_chip_open(const char *path) {
    char expected[256];
    snprintf(expected, sizeof expected, "/dev/%s", chip_name());
    if (strcmp(path, expected) != 0) { errno = ENOENT; return NULL; }
    pthread_once(&started, start_control);
    return &the_chip;
}

void gpiod_chip_close(struct gpiod_chip *chip) { (void)chip; }
struct gpiod_chip_info *gpiod_chip_get_info(struct gpiod_chip *chip) { (void)chip; return &the_info; }
void gpiod_chip_info_free(struct gpiod_chip_info *info) { (void)info; }
const char *gpiod_chip_info_get_name(struct gpiod_chip_info *info) { (void)info; return chip_name(); }
const char *gpiod_chip_info_get_label(struct gpiod_chip_info *info) { (void)info; return "pinctrl-bcm2711"; }
size_t gpiod_chip_info_get_num_lines(struct gpiod_chip_info *info) { (void)info; return CHIP_LINES; }

struct gpiod_line_settings *gpiod_line_settings_new(void) {
    struct gpiod_line_settings *settings = calloc(1, sizeof *settings);
    if (settings) { settings->bias = GPIOD_LINE_BIAS_AS_IS; settings->edge = GPIOD_LINE_EDGE_NONE; settings->direction = GPIOD_LINE_DIRECTION_AS_IS; }
    return settings;
}
void gpiod_line_settings_free(struct gpiod_line_settings *settings) { free(settings); }
int gpiod_line_settings_set_direction(struct gpiod_line_settings *s, enum gpiod_line_direction direction) { s->direction = direction; return 0; }
int gpiod_line_settings_set_edge_detection(struct gpiod_line_settings *s, enum gpiod_line_edge edge) { s->edge = edge; return 0; }
int gpiod_line_settings_set_bias(struct gpiod_line_settings *s, enum gpiod_line_bias bias) { s->bias = bias; return 0; }
int gpiod_line_settings_set_event_clock(struct gpiod_line_settings *s, enum gpiod_line_clock clock) { (void)s; (void)clock; return 0; }

struct gpiod_line_config *gpiod_line_config_new(void) { return calloc(1, sizeof(struct gpiod_line_config)); }
void gpiod_line_config_free(struct gpiod_line_config *config) { free(config); }
int gpiod_line_config_add_line_settings(struct gpiod_line_config *config, const unsigned int *offsets, size_t count,
                                        struct gpiod_line_settings *settings) {
    for (size_t i = 0; i < count; i++) {
        if (config->count >= MAX_LINES) { errno = E2BIG; return -1; }
        config->offsets[config->count] = offsets[i];
        config->settings[config->count] = *settings;
        config->count++;
    }
    return 0;
}

struct gpiod_request_config *gpiod_request_config_new(void) { return calloc(1, sizeof(struct gpiod_request_config)); }
void gpiod_request_config_free(struct gpiod_request_config *config) { free(config); }
void gpiod_request_config_set_consumer(struct gpiod_request_config *config, const char *consumer) {
    snprintf(config->consumer, sizeof config->consumer, "%s", consumer ? consumer : "");
}

static const char *bias_name(enum gpiod_line_bias bias) {
    switch (bias) {
    case GPIOD_LINE_BIAS_PULL_UP: return "pull-up";
    case GPIOD_LINE_BIAS_PULL_DOWN: return "pull-down";
    case GPIOD_LINE_BIAS_DISABLED: return "disabled";
    default: return "as-is";
    }
}

struct gpiod_line_request *gpiod_chip_request_lines(struct gpiod_chip *chip, struct gpiod_request_config *request_config,
                                                    struct gpiod_line_config *config) {
    (void)chip; (void)request_config;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < config->count; i++) {
        if (config->offsets[i] >= CHIP_LINES) { pthread_mutex_unlock(&lock); errno = EINVAL; return NULL; }
        if (owner[config->offsets[i]]) { pthread_mutex_unlock(&lock); errno = EBUSY; return NULL; }
        if (config->settings[i].edge != GPIOD_LINE_EDGE_BOTH || config->settings[i].direction != GPIOD_LINE_DIRECTION_INPUT) {
            pthread_mutex_unlock(&lock); errno = EINVAL; return NULL;
        }
    }
    struct gpiod_line_request *request = calloc(1, sizeof *request);
    if (!request || pipe(request->fds) != 0) { pthread_mutex_unlock(&lock); free(request); return NULL; }
    for (size_t i = 0; i < config->count; i++) {
        request->offsets[request->count++] = config->offsets[i];
        owner[config->offsets[i]] = request;
    }
    pthread_mutex_unlock(&lock);
    const char *log = getenv("FAKE_GPIOD_LOG");
    FILE *out = log ? fopen(log, "a") : NULL;
    for (size_t i = 0; out && i < config->count; i++) fprintf(out, "request %u %s\n", config->offsets[i], bias_name(config->settings[i].bias));
    if (out) fclose(out);
    return request;
}

void gpiod_line_request_release(struct gpiod_line_request *request) {
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < request->count; i++) owner[request->offsets[i]] = NULL;
    pthread_mutex_unlock(&lock);
    close(request->fds[0]);
    close(request->fds[1]);
    free(request);
}

int gpiod_line_request_get_fd(struct gpiod_line_request *request) { return request->fds[0]; }

enum gpiod_line_value gpiod_line_request_get_value(struct gpiod_line_request *request, unsigned int offset) {
    for (size_t i = 0; i < request->count; i++) {
        if (request->offsets[i] == offset) return values[offset] ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
    }
    errno = EINVAL;
    return GPIOD_LINE_VALUE_ERROR;
}

struct gpiod_edge_event_buffer *gpiod_edge_event_buffer_new(size_t capacity) {
    struct gpiod_edge_event_buffer *buffer = calloc(1, sizeof *buffer);
    if (buffer) { buffer->capacity = capacity ? capacity : 64; buffer->events = calloc(buffer->capacity, sizeof *buffer->events); }
    return buffer;
}
void gpiod_edge_event_buffer_free(struct gpiod_edge_event_buffer *buffer) { if (buffer) free(buffer->events); free(buffer); }
struct gpiod_edge_event *gpiod_edge_event_buffer_get_event(struct gpiod_edge_event_buffer *buffer, unsigned long index) {
    return index < buffer->count ? &buffer->events[index] : NULL;
}
size_t gpiod_edge_event_buffer_get_num_events(struct gpiod_edge_event_buffer *buffer) { return buffer->count; }

/* Blocks until at least one event is there, as the real one does; the daemon polls first. */
int gpiod_line_request_read_edge_events(struct gpiod_line_request *request, struct gpiod_edge_event_buffer *buffer, size_t max) {
    if (max > buffer->capacity) max = buffer->capacity;
    ssize_t got = read(request->fds[0], buffer->events, sizeof(struct gpiod_edge_event));
    if (got != (ssize_t)sizeof(struct gpiod_edge_event)) return -1;
    buffer->count = 1;
    return 1;
}

enum gpiod_edge_event_type gpiod_edge_event_get_event_type(struct gpiod_edge_event *event) { return event->type; }
uint64_t gpiod_edge_event_get_timestamp_ns(struct gpiod_edge_event *event) { return event->timestamp_ns; }
unsigned int gpiod_edge_event_get_line_offset(struct gpiod_edge_event *event) { return event->offset; }
