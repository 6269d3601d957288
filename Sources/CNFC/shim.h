#ifndef MUSICBOX_CNFC_SHIM_H
#define MUSICBOX_CNFC_SHIM_H
// libnfc 1.8 (Debian 12: libnfc-dev).
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <nfc/nfc.h>
#endif
