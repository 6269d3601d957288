import CFFmpeg

/// What an FFmpeg network call's failure status means, as a `reason` detail and a short text:
/// one reading for streams (``StreamConnection``) and fetched files (``FFmpegWebFetcher``).
enum NetworkFailure: Equatable {
    /// The interrupt callback ended the call (no longer wanted, or a deadline passed).
    case interrupted
    case notFound
    case forbidden
    /// A read waited longer than `rw_timeout`.
    case silent
    case other(String)

    init(status: Int32) {
        if status == musicbox_averror_exit() {
            self = .interrupted
        } else if status == musicbox_averror_http_not_found() {
            self = .notFound
        } else if status == musicbox_averror_http_forbidden() {
            self = .forbidden
        } else if status == musicbox_averror_etimedout() {
            self = .silent
        } else {
            self = .other(Self.text(of: status))
        }
    }

    static func text(of status: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(status, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The options every FFmpeg network open of the box sets, streams and fetched files alike: a
/// read that waits longer than `readTimeout` fails, certificates are checked (against `caFile`
/// when given, else the system's), and the box names itself.
enum NetworkOptions {
    static func set(_ options: inout OpaquePointer?, readTimeout: Duration, userAgent: String, caFile: String?) {
        let micros = readTimeout.components.seconds * 1_000_000 + readTimeout.components.attoseconds / 1_000_000_000_000
        av_dict_set(&options, "rw_timeout", String(micros), 0)
        av_dict_set(&options, "user_agent", userAgent, 0)
        av_dict_set(&options, "tls_verify", "1", 0)
        if let caFile { av_dict_set(&options, "ca_file", caFile, 0) }
    }
}
