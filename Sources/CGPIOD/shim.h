#ifndef MUSICBOX_CGPIOD_SHIM_H
#define MUSICBOX_CGPIOD_SHIM_H
// libgpiod v1 (1.6 on Debian 12 / Raspberry Pi OS bookworm: libgpiod-dev).
#include <gpiod.h>
#include <poll.h>
#include <unistd.h>
#endif
