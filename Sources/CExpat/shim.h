#ifndef MUSICBOX_CEXPAT_SHIM_H
#define MUSICBOX_CEXPAT_SHIM_H
// Expat (Debian: libexpat1-dev): the XML parser podcast feeds are read with.
#include <expat.h>
#include <stdint.h>

// The line a parse stopped at. Expat 2.9 (trixie's) deprecates XML_GetCurrentLineNumber for
// XML_GetCurrentLineNumber64, which bookworm's 2.5 lacks: one name for both.
static inline uint64_t musicbox_xml_line(XML_Parser parser) {
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 9)
    return XML_GetCurrentLineNumber64(parser);
#else
    return (uint64_t)XML_GetCurrentLineNumber(parser);
#endif
}
#endif
