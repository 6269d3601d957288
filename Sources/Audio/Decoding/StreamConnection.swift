import CFFmpeg
import Foundation
import MusicBoxCore

/// One attempt to open and read a live stream with FFmpeg's own network protocols (http, https
/// through GnuTLS, HLS), on the decoder thread that owns it. FFmpeg blocks in its reads; this is
/// what lets those blocks end: its interrupt callback answers "stop" once the stream is no
/// longer wanted (the listener paused or chose something else) or the opening took longer than
/// ``Limits/openTimeout``, and a read that waits longer than ``Limits/readTimeout`` fails, so a
/// server that goes silent counts as a drop.
///
/// Why FFmpeg's protocols and not an HTTP client of our own: the bytes end up in FFmpeg's
/// demuxer anyway; its http protocol already parses ICY metadata and follows redirects, its HLS
/// demuxer fetches playlists and segments, and its reads run on the decoder's own thread, never
/// on an event loop or the state manager.
public final class StreamConnection: @unchecked Sendable {
    // @unchecked: `openDeadline` is guarded by `lock`; the rest is immutable.
    public struct Limits: Sendable, Equatable {
        /// From the first byte asked for to a decodable stream.
        public var openTimeout: Duration
        /// The longest a read may wait for data once playing.
        public var readTimeout: Duration
        /// The certificates HTTPS servers are checked against (`nil`: the system's).
        public var caFile: String?
        public var userAgent: String

        public init(openTimeout: Duration = .seconds(8), readTimeout: Duration = .seconds(10), caFile: String? = nil,
                    userAgent: String = "musicboxd/\(MusicBoxVersion.current)") {
            self.openTimeout = openTimeout
            self.readTimeout = readTimeout
            self.caFile = caFile
            self.userAgent = userAgent
        }
    }

    public let limits: Limits
    private let wanted: @Sendable () -> Bool
    private let lock = NSLock()
    private var openDeadline: ContinuousClock.Instant?

    /// - Parameter wanted: whether the stream is still to be played; asked often, from FFmpeg's
    ///   blocking calls on the decoder thread (must be cheap).
    public init(limits: Limits, wanted: @escaping @Sendable () -> Bool) {
        self.limits = limits
        self.wanted = wanted
    }

    /// Sets up a format context (allocated, not yet opened) and the options of its opening.
    func prepare(_ format: UnsafeMutablePointer<AVFormatContext>?, options: inout OpaquePointer?) {
        lock.withLock { openDeadline = .now + limits.openTimeout }
        if let format {
            format.pointee.interrupt_callback = AVIOInterruptCB(
                callback: musicboxStreamInterrupt, opaque: Unmanaged.passUnretained(self).toOpaque()
            )
            // A stream arrives in real time beyond the server's burst: whatever FFmpeg waits for
            // before the first frame is waited for by the child. 16 KiB tell MP3, AAC and Ogg apart
            // (an MP3 reaches a sure score only after ~128 KiB, 8 s of a 128 kb/s station; the best
            // guess at 16 KiB is right), and 0.3 s of audio give every codec's parameters.
            // (`probesize` is left alone: lowering it makes find_stream_info read much longer.)
            format.pointee.format_probesize = 16 * 1024
            format.pointee.max_analyze_duration = 300_000
        }
        NetworkOptions.set(&options, readTimeout: limits.readTimeout, userAgent: limits.userAgent, caFile: limits.caFile)
        av_dict_set(&options, "icy", "1", 0)
    }

    /// The stream is open: from here on only `wanted` and the read timeout end a wait.
    func opened() { lock.withLock { openDeadline = nil } }

    fileprivate var shouldInterrupt: Bool {
        if !wanted() { return true }
        return lock.withLock { openDeadline.map { .now >= $0 } ?? false }
    }

    private var timedOutOpening: Bool { lock.withLock { openDeadline.map { .now >= $0 } ?? false } }

    /// What a failed open or read means, as the listener's error.
    func refusal(_ status: Int32, url: String, whilePlaying: Bool = false) -> BoxError {
        let shown = StreamURL.shown(url)
        let (reason, message): (String, String)
        switch NetworkFailure(status: status) {
        case .interrupted where timedOutOpening:
            (reason, message) = ("timeout", "The stream did not answer within \(limits.openTimeout.components.seconds) s.")
        case .interrupted:
            (reason, message) = ("stopped", "The stream was stopped.")
        case .notFound:
            (reason, message) = ("not_found", "The stream's server has no stream at that address (404).")
        case .forbidden:
            (reason, message) = ("forbidden", "The stream's server refuses to play it (403).")
        case .silent:
            (reason, message) = ("timeout", "The stream's server went silent.")
        case .other(let text) where whilePlaying:
            (reason, message) = ("dropped", "The stream broke off: \(text).")
        case .other(let text):
            (reason, message) = ("unreachable", "The stream cannot be reached: \(text).")
        }
        return BoxError(.streamUnavailable, message, details: ["url": shown, "reason": reason])
    }
}

/// FFmpeg's interrupt callback: non-zero ends the blocking call it is in.
private func musicboxStreamInterrupt(_ opaque: UnsafeMutableRawPointer?) -> Int32 {
    guard let opaque else { return 0 }
    return Unmanaged<StreamConnection>.fromOpaque(opaque).takeUnretainedValue().shouldInterrupt ? 1 : 0
}
