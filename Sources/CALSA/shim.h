#ifndef MUSICBOX_CALSA_SHIM_H
#define MUSICBOX_CALSA_SHIM_H
// alsa-lib (libasound2), as Debian 12 ships it (1.2.8).
#include <alsa/asoundlib.h>
#endif
