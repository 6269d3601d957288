#ifndef MUSICBOX_CEXPAT_SHIM_H
#define MUSICBOX_CEXPAT_SHIM_H
// Expat (Debian: libexpat1-dev): the XML parser podcast feeds are read with.
#include <expat.h>
#endif
