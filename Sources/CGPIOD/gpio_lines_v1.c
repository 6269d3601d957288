/* musicbox_gpio_* over libgpiod's v1 API (1.6: gpiod_chip_open_lookup, one request per line). */
#if MUSICBOX_GPIOD_API == 1
#include "gpio_lines.h"

#include <errno.h>
#include <gpiod.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

struct musicbox_gpio_lines {
    struct gpiod_chip *chip;
    size_t count;
    struct gpiod_line **lines;
    unsigned int *offsets;
};

static int v1_flags(int bias) {
    switch (bias) {
    case MUSICBOX_GPIO_BIAS_PULL_UP: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
    case MUSICBOX_GPIO_BIAS_PULL_DOWN: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
    case MUSICBOX_GPIO_BIAS_DISABLED: return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
    default: return 0;
    }
}

int musicbox_gpio_request(const char *chip, const unsigned int *offsets, size_t count, int bias,
                          const char *consumer, musicbox_gpio_lines **result, unsigned int *failed_offset) {
    *result = NULL;
    musicbox_gpio_lines *lines = calloc(1, sizeof *lines);
    if (lines) {
        lines->lines = calloc(count ? count : 1, sizeof *lines->lines);
        lines->offsets = calloc(count ? count : 1, sizeof *lines->offsets);
    }
    if (!lines || !lines->lines || !lines->offsets) {
        musicbox_gpio_release(lines);
        errno = ENOMEM;
        return MUSICBOX_GPIO_OUT_OF_MEMORY;
    }
    lines->chip = gpiod_chip_open_lookup(chip);
    if (!lines->chip) {
        int saved = errno;
        musicbox_gpio_release(lines);
        errno = saved;
        return MUSICBOX_GPIO_NO_CHIP;
    }
    for (size_t i = 0; i < count; i++) {
        struct gpiod_line *line = gpiod_chip_get_line(lines->chip, offsets[i]);
        int failure = !line ? MUSICBOX_GPIO_NO_LINE
                    : gpiod_line_request_both_edges_events_flags(line, consumer, v1_flags(bias)) != 0 ? MUSICBOX_GPIO_REQUEST_FAILED
                    : MUSICBOX_GPIO_OK;
        if (failure != MUSICBOX_GPIO_OK) {
            int saved = errno;
            *failed_offset = offsets[i];
            musicbox_gpio_release(lines);
            errno = saved;
            return failure;
        }
        lines->lines[lines->count] = line;
        lines->offsets[lines->count] = offsets[i];
        lines->count++;
    }
    *result = lines;
    return MUSICBOX_GPIO_OK;
}

size_t musicbox_gpio_fds(const musicbox_gpio_lines *lines, int *fds, size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < lines->count && n < max; i++) fds[n++] = gpiod_line_event_get_fd(lines->lines[i]);
    return n;
}

int musicbox_gpio_value(musicbox_gpio_lines *lines, unsigned int offset) {
    for (size_t i = 0; i < lines->count; i++) {
        if (lines->offsets[i] == offset) return gpiod_line_get_value(lines->lines[i]);
    }
    errno = EINVAL;
    return -1;
}

int musicbox_gpio_read_edges(musicbox_gpio_lines *lines, musicbox_gpio_edge *edges, size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < lines->count && n < max; i++) {
        struct pollfd pending = { .fd = gpiod_line_event_get_fd(lines->lines[i]), .events = POLLIN };
        while (n < max && poll(&pending, 1, 0) > 0) {
            struct gpiod_line_event event;
            if (gpiod_line_event_read(lines->lines[i], &event) != 0) return -1;
            edges[n].timestamp_ns = (uint64_t)event.ts.tv_sec * 1000000000u + (uint64_t)event.ts.tv_nsec;
            edges[n].offset = lines->offsets[i];
            edges[n].rising = event.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
            n++;
        }
    }
    return (int)n;
}

void musicbox_gpio_release(musicbox_gpio_lines *lines) {
    if (!lines) return;
    for (size_t i = 0; i < lines->count; i++) gpiod_line_release(lines->lines[i]);
    if (lines->chip) gpiod_chip_close(lines->chip);
    free(lines->lines);
    free(lines->offsets);
    free(lines);
}

const char *musicbox_gpio_library(void) {
    static char text[64];
    snprintf(text, sizeof text, "libgpiod %s (v1 API)", gpiod_version_string());
    return text;
}
#endif
