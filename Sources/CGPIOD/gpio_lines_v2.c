/* musicbox_gpio_* over libgpiod's v2 API (2.x: one request for all lines, an edge event buffer). */
#if MUSICBOX_GPIOD_API == 2
#include "gpio_lines.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <gpiod.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EVENT_BUFFER_SIZE 64

struct musicbox_gpio_lines {
    struct gpiod_chip *chip;
    struct gpiod_line_request *request;
    struct gpiod_edge_event_buffer *buffer;
};

static int all_digits(const char *text) {
    if (!*text) return 0;
    for (; *text; text++) if (!isdigit((unsigned char)*text)) return 0;
    return 1;
}

static int label_is(struct gpiod_chip *chip, const char *label) {
    struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
    if (!info) return 0;
    int same = strcmp(gpiod_chip_info_get_label(info), label) == 0;
    gpiod_chip_info_free(info);
    return same;
}

/* v1's gpiod_chip_open_lookup did this: a path, a number, a name under /dev, or a chip's label
 * (on a Pi the header's lines are the chip labelled pinctrl-bcm2711, pinctrl-bcm2835 or pinctrl-rp1). */
static struct gpiod_chip *open_chip(const char *description) {
    char path[512];
    if (description[0] == '/') return gpiod_chip_open(description);
    if (all_digits(description)) snprintf(path, sizeof path, "/dev/gpiochip%s", description);
    else snprintf(path, sizeof path, "/dev/%s", description);
    struct gpiod_chip *chip = gpiod_chip_open(path);
    if (chip || strchr(description, '/')) return chip;
    DIR *dev = opendir("/dev");
    if (dev) {
        struct dirent *entry;
        while ((entry = readdir(dev)) && !chip) {
            if (strncmp(entry->d_name, "gpiochip", 8) != 0) continue;
            snprintf(path, sizeof path, "/dev/%s", entry->d_name);
            struct gpiod_chip *candidate = gpiod_chip_open(path);
            if (candidate && label_is(candidate, description)) chip = candidate;
            else if (candidate) gpiod_chip_close(candidate);
        }
        closedir(dev);
    }
    if (!chip) errno = ENOENT;
    return chip;
}

static enum gpiod_line_bias v2_bias(int bias) {
    switch (bias) {
    case MUSICBOX_GPIO_BIAS_PULL_UP: return GPIOD_LINE_BIAS_PULL_UP;
    case MUSICBOX_GPIO_BIAS_PULL_DOWN: return GPIOD_LINE_BIAS_PULL_DOWN;
    case MUSICBOX_GPIO_BIAS_DISABLED: return GPIOD_LINE_BIAS_DISABLED;
    default: return GPIOD_LINE_BIAS_AS_IS;
    }
}

/* One request for `count` offsets, or NULL with errno set. */
static struct gpiod_line_request *request_lines(struct gpiod_chip *chip, const unsigned int *offsets, size_t count,
                                                int bias, const char *consumer) {
    struct gpiod_line_settings *settings = gpiod_line_settings_new();
    struct gpiod_line_config *config = gpiod_line_config_new();
    struct gpiod_request_config *request_config = gpiod_request_config_new();
    struct gpiod_line_request *request = NULL;
    if (settings && config && request_config
        && gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT) == 0
        && gpiod_line_settings_set_edge_detection(settings, GPIOD_LINE_EDGE_BOTH) == 0
        && gpiod_line_settings_set_bias(settings, v2_bias(bias)) == 0
        && gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC) == 0
        && gpiod_line_config_add_line_settings(config, offsets, count, settings) == 0) {
        gpiod_request_config_set_consumer(request_config, consumer);
        request = gpiod_chip_request_lines(chip, request_config, config);
    } else if (!settings || !config || !request_config) {
        errno = ENOMEM;
    }
    int saved = errno;
    gpiod_request_config_free(request_config);
    gpiod_line_config_free(config);
    gpiod_line_settings_free(settings);
    errno = saved;
    return request;
}

int musicbox_gpio_request(const char *chip, const unsigned int *offsets, size_t count, int bias,
                          const char *consumer, musicbox_gpio_lines **result, unsigned int *failed_offset) {
    *result = NULL;
    musicbox_gpio_lines *lines = calloc(1, sizeof *lines);
    if (!lines) { errno = ENOMEM; return MUSICBOX_GPIO_OUT_OF_MEMORY; }
    lines->chip = open_chip(chip);
    if (!lines->chip) {
        int saved = errno;
        musicbox_gpio_release(lines);
        errno = saved;
        return MUSICBOX_GPIO_NO_CHIP;
    }
    struct gpiod_chip_info *info = gpiod_chip_get_info(lines->chip);
    size_t available = info ? gpiod_chip_info_get_num_lines(info) : 0;
    gpiod_chip_info_free(info);
    for (size_t i = 0; i < count; i++) {
        if (offsets[i] >= available) {
            *failed_offset = offsets[i];
            musicbox_gpio_release(lines);
            errno = EINVAL;
            return MUSICBOX_GPIO_NO_LINE;
        }
    }
    lines->request = request_lines(lines->chip, offsets, count, bias, consumer);
    if (!lines->request) {
        int saved = errno;
        /* The request is for all lines at once: find the one that cannot be had, to name it. */
        *failed_offset = count ? offsets[0] : 0;
        for (size_t i = 0; i < count; i++) {
            struct gpiod_line_request *alone = request_lines(lines->chip, &offsets[i], 1, bias, consumer);
            if (!alone) { saved = errno; *failed_offset = offsets[i]; break; }
            gpiod_line_request_release(alone);
        }
        musicbox_gpio_release(lines);
        errno = saved;
        return MUSICBOX_GPIO_REQUEST_FAILED;
    }
    lines->buffer = gpiod_edge_event_buffer_new(EVENT_BUFFER_SIZE);
    if (!lines->buffer) {
        musicbox_gpio_release(lines);
        errno = ENOMEM;
        return MUSICBOX_GPIO_OUT_OF_MEMORY;
    }
    *result = lines;
    return MUSICBOX_GPIO_OK;
}

size_t musicbox_gpio_fds(const musicbox_gpio_lines *lines, int *fds, size_t max) {
    if (max < 1) return 0;
    fds[0] = gpiod_line_request_get_fd(lines->request);
    return 1;
}

int musicbox_gpio_value(musicbox_gpio_lines *lines, unsigned int offset) {
    enum gpiod_line_value value = gpiod_line_request_get_value(lines->request, offset);
    return value == GPIOD_LINE_VALUE_ERROR ? -1 : value == GPIOD_LINE_VALUE_ACTIVE;
}

int musicbox_gpio_read_edges(musicbox_gpio_lines *lines, musicbox_gpio_edge *edges, size_t max) {
    size_t n = 0;
    struct pollfd pending = { .fd = gpiod_line_request_get_fd(lines->request), .events = POLLIN };
    while (n < max && poll(&pending, 1, 0) > 0) {
        size_t room = max - n < EVENT_BUFFER_SIZE ? max - n : EVENT_BUFFER_SIZE;
        int read = gpiod_line_request_read_edge_events(lines->request, lines->buffer, room);
        if (read < 0) return -1;
        if (read == 0) break;
        for (int i = 0; i < read; i++) {
            struct gpiod_edge_event *event = gpiod_edge_event_buffer_get_event(lines->buffer, (unsigned long)i);
            edges[n].timestamp_ns = gpiod_edge_event_get_timestamp_ns(event);
            edges[n].offset = gpiod_edge_event_get_line_offset(event);
            edges[n].rising = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE;
            n++;
        }
    }
    return (int)n;
}

void musicbox_gpio_release(musicbox_gpio_lines *lines) {
    if (!lines) return;
    if (lines->buffer) gpiod_edge_event_buffer_free(lines->buffer);
    if (lines->request) gpiod_line_request_release(lines->request);
    if (lines->chip) gpiod_chip_close(lines->chip);
    free(lines);
}

const char *musicbox_gpio_library(void) {
    static char text[64];
    snprintf(text, sizeof text, "libgpiod %s (v2 API)", gpiod_api_version());
    return text;
}
#endif
