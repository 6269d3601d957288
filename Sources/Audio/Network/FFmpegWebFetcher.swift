import CFFmpeg
import Foundation
import MusicBoxCore

/// Podcast feeds and episodes, fetched with FFmpeg's own http/https protocols: the client web
/// radio already uses (GnuTLS, the host name checked, redirects followed, the same CA file),
/// so podcasts need no second HTTP stack and no yt-dlp. Blocking, on the caller's thread; the
/// interrupt callback ends a fetch that is cancelled or past ``Limits/timeout``, and a read
/// that waits longer than ``Limits/readTimeout`` fails.
public struct FFmpegWebFetcher: WebFetcher {
    public struct Limits: Sendable, Equatable {
        /// The longest a read may wait for data.
        public var readTimeout: Duration
        /// The longest one whole fetch may take.
        public var timeout: Duration
        /// The certificates HTTPS servers are checked against (`nil`: the system's).
        public var caFile: String?
        public var userAgent: String

        public init(readTimeout: Duration = .seconds(20), timeout: Duration = .seconds(1800), caFile: String? = nil,
                    userAgent: String = "musicboxd/\(MusicBoxVersion.current)") {
            self.readTimeout = readTimeout
            self.timeout = timeout
            self.caFile = caFile
            self.userAgent = userAgent
        }
    }

    public let limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
        AudioFileDecoder.silenceFFmpeg()
    }

    public func fetch(_ url: String, maxBytes: Int, cancelled: @escaping @Sendable () -> Bool) throws(BoxError) -> [UInt8] {
        var body: [UInt8] = []
        try read(url, maxBytes: Int64(maxBytes), cancelled: cancelled) { piece throws(BoxError) in body += piece }
        return body
    }

    public func save(_ url: String, to path: String, maxBytes: Int64, cancelled: @escaping @Sendable () -> Bool) throws(BoxError) -> Int64 {
        guard let file = fopen(path, "wx") else {
            throw BoxError(.downloadFailed, "The download could not be written.", details: ["reason": "write_failed", "errno": String(errno)])
        }
        var written: Int64 = 0
        var closed = false
        do throws(BoxError) {
            try read(url, maxBytes: maxBytes, cancelled: cancelled) { piece throws(BoxError) in
                guard piece.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) == piece.count else {
                    throw BoxError(.downloadFailed, "The download could not be written (is the card full?).",
                                   details: ["reason": "write_failed", "errno": String(errno)])
                }
                written += Int64(piece.count)
            }
            closed = true
            guard fclose(file) == 0 else {
                throw BoxError(.downloadFailed, "The download could not be written.", details: ["reason": "write_failed", "errno": String(errno)])
            }
        } catch {
            if !closed { fclose(file) }
            unlink(path)
            throw error
        }
        return written
    }

    /// Opens `url` and hands its body on in pieces of up to 64 KiB.
    private func read(_ url: String, maxBytes: Int64, cancelled: @escaping @Sendable () -> Bool,
                      into take: ([UInt8]) throws(BoxError) -> Void) throws(BoxError) {
        let checked = try StreamURL.check(url)
        let watch = FetchWatch(deadline: .now + limits.timeout, cancelled: cancelled)
        let opaque = Unmanaged.passRetained(watch)
        defer { opaque.release() }
        var interrupt = AVIOInterruptCB(callback: musicboxFetchInterrupt, opaque: opaque.toOpaque())
        var options: OpaquePointer?
        NetworkOptions.set(&options, readTimeout: limits.readTimeout, userAgent: limits.userAgent, caFile: limits.caFile)
        var opened: UnsafeMutablePointer<AVIOContext>?
        let status = avio_open2(&opened, checked, AVIO_FLAG_READ, &interrupt, &options)
        av_dict_free(&options)
        guard status >= 0, let context = opened else { throw failure(status, url: checked, watch: watch) }
        defer { avio_closep(&opened) }
        let announced = avio_size(context)
        if announced > maxBytes { throw tooLarge(checked, maxBytes) }
        var total: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let got = buffer.withUnsafeMutableBufferPointer { avio_read(context, $0.baseAddress, Int32($0.count)) }
            if got == musicbox_averror_eof() || got == 0 { break }
            guard got > 0 else { throw failure(got, url: checked, watch: watch) }
            total += Int64(got)
            if total > maxBytes { throw tooLarge(checked, maxBytes) }
            try take(Array(buffer[0..<Int(got)]))
        }
    }

    private func failure(_ status: Int32, url: String, watch: FetchWatch) -> BoxError {
        let shown = StreamURL.shown(url)
        let (reason, message): (String, String)
        switch NetworkFailure(status: status) {
        case .interrupted where watch.isCancelled:
            (reason, message) = ("cancelled", "The download was cancelled.")
        case .interrupted, .silent:
            (reason, message) = ("timeout", "The server took too long to answer.")
        case .notFound:
            (reason, message) = ("not_found", "The server has nothing at that address (404).")
        case .forbidden:
            (reason, message) = ("forbidden", "The server refuses to give it (403).")
        case .other(let text):
            (reason, message) = ("unreachable", "The address cannot be fetched: \(text).")
        }
        return BoxError(.downloadFailed, message, details: ["url": shown, "reason": reason])
    }

    private func tooLarge(_ url: String, _ maxBytes: Int64) -> BoxError {
        BoxError(.downloadFailed, "The file is larger than the \(maxBytes >> 20) MB the box accepts.",
                 details: ["url": StreamURL.shown(url), "reason": "too_large"])
    }
}

/// What the interrupt callback asks: cancelled, or past the deadline. Read from FFmpeg's
/// blocking calls on the fetching thread only.
private final class FetchWatch {
    let deadline: ContinuousClock.Instant
    let cancelled: @Sendable () -> Bool

    init(deadline: ContinuousClock.Instant, cancelled: @escaping @Sendable () -> Bool) {
        self.deadline = deadline
        self.cancelled = cancelled
    }

    var isCancelled: Bool { cancelled() }
    var shouldStop: Bool { cancelled() || .now >= deadline }
}

private func musicboxFetchInterrupt(_ opaque: UnsafeMutableRawPointer?) -> Int32 {
    guard let opaque else { return 0 }
    return Unmanaged<FetchWatch>.fromOpaque(opaque).takeUnretainedValue().shouldStop ? 1 : 0
}
