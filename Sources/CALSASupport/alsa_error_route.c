#include "alsa_error_route.h"

#include <alsa/asoundlib.h>
#include <stdarg.h>
#include <stdio.h>

static musicbox_alsa_message_sink current_sink = NULL;

static void route(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    musicbox_alsa_message_sink sink = current_sink;
    if (sink == NULL) return;
    char message[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    sink(file, line, function, err, message);
}

void musicbox_alsa_route_errors(musicbox_alsa_message_sink sink) {
    current_sink = sink;
    snd_lib_error_set_handler(sink == NULL ? NULL : route);
}
