#ifndef MUSICBOX_CFFMPEG_SHIM_H
#define MUSICBOX_CFFMPEG_SHIM_H
// FFmpeg 5.1 (Debian 12): demuxing, decoding, resampling.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswresample/swresample.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>

// Function-like macros Swift cannot import.
static inline int musicbox_averror_eof(void) { return AVERROR_EOF; }
static inline int musicbox_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int musicbox_averror_enoent(void) { return AVERROR(ENOENT); }
static inline int64_t musicbox_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int musicbox_av_time_base(void) { return AV_TIME_BASE; }
static inline int musicbox_averror_exit(void) { return AVERROR_EXIT; }
static inline int musicbox_averror_http_not_found(void) { return AVERROR_HTTP_NOT_FOUND; }
static inline int musicbox_averror_http_forbidden(void) { return AVERROR_HTTP_FORBIDDEN; }
static inline int musicbox_averror_etimedout(void) { return AVERROR(ETIMEDOUT); }
#endif
