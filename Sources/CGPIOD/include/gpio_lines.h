#ifndef MUSICBOX_GPIO_LINES_H
#define MUSICBOX_GPIO_LINES_H
/*
 * Input lines with edge events, over whichever libgpiod the box was built with: the v1 API
 * (libgpiod 1.6, Debian 12 / Raspberry Pi OS bookworm) or the v2 API (libgpiod 2.x, Debian 13 /
 * Raspberry Pi OS trixie). Package.swift picks one from pkg-config (MUSICBOX_GPIOD_API 1 or 2);
 * the Swift side sees only this header, so its logic is the same on both.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct musicbox_gpio_lines musicbox_gpio_lines;

typedef struct {
    /* CLOCK_MONOTONIC, from the kernel (when the edge happened, not when it was read). */
    uint64_t timestamp_ns;
    unsigned int offset;
    int rising;
} musicbox_gpio_edge;

enum musicbox_gpio_bias {
    MUSICBOX_GPIO_BIAS_AS_IS = 0,
    MUSICBOX_GPIO_BIAS_PULL_UP = 1,
    MUSICBOX_GPIO_BIAS_PULL_DOWN = 2,
    MUSICBOX_GPIO_BIAS_DISABLED = 3,
};

enum musicbox_gpio_failure {
    MUSICBOX_GPIO_OK = 0,
    /* The chip (a name like gpiochip0, a number, a /dev path or a label) is not there. */
    MUSICBOX_GPIO_NO_CHIP = 1,
    /* `failed_offset` is not a line of the chip. */
    MUSICBOX_GPIO_NO_LINE = 2,
    /* `failed_offset` could not be requested (errno: EBUSY when another program holds it). */
    MUSICBOX_GPIO_REQUEST_FAILED = 3,
    MUSICBOX_GPIO_OUT_OF_MEMORY = 4,
};

/*
 * Requests `count` lines of `chip` as inputs, both edges, with `bias`. On failure returns the
 * reason with errno set, `*failed_offset` naming the line where it applies; nothing stays requested.
 */
int musicbox_gpio_request(const char *chip, const unsigned int *offsets, size_t count, int bias,
                          const char *consumer, musicbox_gpio_lines **lines, unsigned int *failed_offset);

/* The descriptors to poll(2) for POLLIN (one per line on v1, one for all on v2); returns how many. */
size_t musicbox_gpio_fds(const musicbox_gpio_lines *lines, int *fds, size_t max);

/* The line's level: 1 high, 0 low, -1 on error. */
int musicbox_gpio_value(musicbox_gpio_lines *lines, unsigned int offset);

/*
 * The edges already pending, without blocking: one pass over every line, at most `max`.
 * Returns how many were stored, or -1 on error. Call again until it returns 0 to drain them.
 */
int musicbox_gpio_read_edges(musicbox_gpio_lines *lines, musicbox_gpio_edge *edges, size_t max);

void musicbox_gpio_release(musicbox_gpio_lines *lines);

/* "libgpiod 1.6.3 (v1 API)" or "libgpiod 2.2.1 (v2 API)": the library actually loaded. */
const char *musicbox_gpio_library(void);

#ifdef __cplusplus
}
#endif
#endif
