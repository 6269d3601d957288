#ifndef MUSICBOX_ALSA_ERROR_ROUTE_H
#define MUSICBOX_ALSA_ERROR_ROUTE_H

/// Receives one formatted alsa-lib message: the source file, line, function, error code and text.
typedef void (*musicbox_alsa_message_sink)(const char *file, int line, const char *function, int err, const char *message);

/// Routes alsa-lib's own error messages (normally printed on stderr) to `sink`.
/// alsa-lib's handler is a variadic C function, which Swift cannot write; this shim formats the
/// message and hands Swift a plain string. Pass NULL to restore alsa-lib's default handler.
void musicbox_alsa_route_errors(musicbox_alsa_message_sink sink);

#endif
