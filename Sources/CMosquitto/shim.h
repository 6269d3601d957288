#ifndef MUSICBOX_CMOSQUITTO_SHIM_H
#define MUSICBOX_CMOSQUITTO_SHIM_H
// libmosquitto (Debian: libmosquitto-dev), the reference MQTT client library.
#include <mosquitto.h>
#endif
