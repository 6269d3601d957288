import CFFmpeg
import MusicBoxCore

/// Decodes one audio file with FFmpeg into ``PCMFormat`` chunks: MP3, AAC/M4A, ALAC, FLAC,
/// Ogg Vorbis, Opus, WAV — whatever libavformat opens and libavcodec decodes — resampled and
/// remixed by libswresample to the output's rate and channels.
///
/// Not thread-safe: one decoder belongs to one decoding thread. What does not open or decode is
/// refused with `unsupported_format`, naming the reason.
public final class AudioFileDecoder {
    public let path: String
    public let output: PCMFormat
    /// Duration from the container, in ms (0 when the container does not say).
    public let durationMs: Int64
    /// Title, artist and album from the file's tags, when present.
    public let tags: [String: String]

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var resampler: OpaquePointer?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private let streamIndex: Int32
    private let timeBase: AVRational
    /// The stream's first timestamp (an MP3's encoder delay makes it non-zero): position 0.
    private let startTime: Int64
    private var state = State.reading
    /// After a seek: the target, until the first decoded frame says where the decoder landed.
    private var seekTargetMs: Int64?
    /// Output frames still to drop to reach the seek target exactly.
    private var framesToSkip = 0
    /// Where the next chunk starts in the track, in output frames (to notice a file that breaks off).
    private var nextFrame: Int64 = 0

    private enum State {
        /// Packets still come from the file.
        case reading
        /// The file is read; the decoder and resampler are giving back what they hold.
        case draining
        case finished
    }

    /// FFmpeg's own messages ("decode_frame() failed") would go to stderr; what matters of them
    /// reaches the log as our errors, which name the file and the reason.
    private static let quietFFmpeg: Void = {
        av_log_set_level(AV_LOG_FATAL)
        // Once, before any stream is opened: sets up GnuTLS for https.
        _ = avformat_network_init()
    }()

    /// Turns FFmpeg's stderr chatter off (once per process).
    static func silenceFFmpeg() { quietFFmpeg }

    /// The live stream's connection, while one is open (``init(stream:output:connection:)``).
    private let connection: StreamConnection?
    /// A live stream's last timed ID3 tag (HLS timed metadata), raw, as the demuxer gave it.
    public private(set) var timedMetadata: [UInt8]?

    public convenience init(path: String, output: PCMFormat = .standard) throws(BoxError) {
        try self.init(location: path, output: output, connection: nil)
    }

    /// Opens a live stream (an http or https URL) through FFmpeg's own network protocols, on the
    /// calling (decoder) thread; `connection` bounds how long that may block and ends it when
    /// the stream is no longer wanted. A stream that cannot be reached or is not audio is
    /// refused with `stream_unavailable`.
    public convenience init(stream url: String, output: PCMFormat = .standard, connection: StreamConnection) throws(BoxError) {
        try self.init(location: url, output: output, connection: connection)
    }

    private init(location path: String, output: PCMFormat, connection: StreamConnection?) throws(BoxError) {
        Self.quietFFmpeg
        self.path = path
        self.output = output
        self.connection = connection
        var format: UnsafeMutablePointer<AVFormatContext>?
        var options: OpaquePointer?
        if let connection {
            format = avformat_alloc_context()
            connection.prepare(format, options: &options)
        }
        var status = avformat_open_input(&format, path, nil, &options)
        av_dict_free(&options)
        guard status >= 0, let format else {
            if let connection { throw connection.refusal(status, url: path) }
            if status == musicbox_averror_enoent() {
                throw BoxError(.notFound, "The audio file is missing from the media folder.", details: ["path": path, "reason": "missing"])
            }
            throw Self.refusal(path, "cannot be opened", status)
        }
        self.format = format
        status = avformat_find_stream_info(format, nil)
        guard status >= 0 else {
            avformat_close_input(&self.format)
            if let connection { throw connection.refusal(status, url: path) }
            throw Self.refusal(path, "has no readable stream information", status)
        }
        connection?.opened()
        var decoderPointer: UnsafePointer<AVCodec>?
        streamIndex = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, &decoderPointer, 0)
        guard streamIndex >= 0, let decoder = decoderPointer, let stream = format.pointee.streams[Int(streamIndex)] else {
            avformat_close_input(&self.format)
            if connection != nil {
                throw BoxError(.streamUnavailable, "The address answers, but not with audio this box can play.",
                               details: ["url": StreamURL.shown(path), "reason": "not_audio"])
            }
            throw Self.refusal(path, "has no audio stream this box can decode", streamIndex)
        }
        timeBase = stream.pointee.time_base
        startTime = stream.pointee.start_time == musicbox_av_nopts_value() ? 0 : stream.pointee.start_time
        durationMs = Self.duration(of: format, stream: stream)
        tags = FFmpegTags(format.pointee.metadata, stream.pointee.metadata).values

        codec = avcodec_alloc_context3(decoder)
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        guard let codec, packet != nil, frame != nil else {
            release()
            throw BoxError(.internalError, "Out of memory while opening \(path).")
        }
        status = avcodec_parameters_to_context(codec, stream.pointee.codecpar)
        if status >= 0 { status = avcodec_open2(codec, decoder, nil) }
        guard status >= 0 else {
            release()
            throw Self.refusal(path, "cannot be decoded", status)
        }
        var outLayout = AVChannelLayout()
        av_channel_layout_default(&outLayout, Int32(output.channels))
        var swr: OpaquePointer?
        status = swr_alloc_set_opts2(
            &swr, &outLayout, AV_SAMPLE_FMT_S16, Int32(output.sampleRate),
            &codec.pointee.ch_layout, codec.pointee.sample_fmt, codec.pointee.sample_rate, 0, nil
        )
        av_channel_layout_uninit(&outLayout)
        resampler = swr
        if status >= 0 { status = swr_init(swr) }
        guard status >= 0 else {
            release()
            throw Self.refusal(path, "has a sample format that cannot be converted", status)
        }
    }

    deinit { release() }

    /// The next piece of decoded audio (interleaved samples, a whole number of frames), or `nil`
    /// at the end. One whose data cannot be decoded at all throws `unsupported_format`. A file that
    /// breaks off well before the length its header states gives what it has, then throws
    /// `unsupported_format` with reason `truncated` instead of ending quietly: a parent learns
    /// that the upload or the copy was cut short.
    public func nextChunk() throws(BoxError) -> [Int16]? {
        guard let samples = try decodeChunk() else {
            try checkComplete()
            return nil
        }
        nextFrame += Int64(samples.count / output.channels)
        return samples
    }

    private func decodeChunk() throws(BoxError) -> [Int16]? {
        while true {
            switch state {
            case .finished:
                return nil
            case .draining:
                if let samples = try receiveFrames(), !samples.isEmpty { return samples }
                // The decoder is empty; flush what the resampler still holds.
                state = .finished
                let rest = convert(nil, count: 0)
                return rest.isEmpty ? nil : rest
            case .reading:
                if let samples = try receiveFrames(), !samples.isEmpty { return samples }
                try feedPacket()
            }
        }
    }

    /// Throws when the audio ended more than 0.3 s (and 2%) short of the stated length.
    /// Containers that only estimate their length (a CBR MP3 without a header) estimate it from
    /// what is there, so a cut one of those just plays as a shorter song.
    private func checkComplete() throws(BoxError) {
        guard durationMs > 0 else { return }
        let endedMs = output.milliseconds(forFrames: nextFrame)
        let shortfall = durationMs - endedMs
        guard shortfall > max(300, durationMs / 50) else { return }
        throw BoxError(
            .unsupportedFormat,
            "The file breaks off at \(Self.clock(endedMs)) of its \(Self.clock(durationMs)); it was probably cut short while copying or uploading.",
            details: ["path": path, "reason": "truncated", "ended_ms": String(endedMs), "duration_ms": String(durationMs)]
        )
    }

    /// `m:ss`, as messages show lengths.
    static func clock(_ ms: Int64) -> String {
        let seconds = ms / 1000
        let rest = seconds % 60
        return "\(seconds / 60):\(rest < 10 ? "0" : "")\(rest)"
    }

    /// Reads the next packet of our stream into the decoder (or starts draining at the end).
    private func feedPacket() throws(BoxError) {
        guard let format, let packet, let codec else { return }
        let status = av_read_frame(format, packet)
        if status < 0 {
            // A stream that ends or breaks off has dropped: the caller reconnects.
            if let connection { throw connection.refusal(status, url: path, whilePlaying: true) }
            // End of file, or a truncated file: either way decode what was read.
            avcodec_send_packet(codec, nil)
            state = .draining
            return
        }
        defer { av_packet_unref(packet) }
        guard packet.pointee.stream_index == streamIndex else {
            keepTimedMetadata(packet, of: format)
            return
        }
        let sent = avcodec_send_packet(codec, packet)
        // A damaged packet is skipped (the decoder resynchronises), as players do.
        if sent < 0, sent != musicbox_averror_eagain() { return }
    }

    /// A live stream's timed ID3 packet (a data stream of the demuxer's, HLS's MPEG-TS segments),
    /// kept as the newest; other packets of other streams are skipped.
    private func keepTimedMetadata(_ packet: UnsafeMutablePointer<AVPacket>, of format: UnsafeMutablePointer<AVFormatContext>) {
        guard connection != nil, packet.pointee.size > 0, packet.pointee.size <= 64 * 1024, let data = packet.pointee.data,
              let stream = format.pointee.streams[Int(packet.pointee.stream_index)],
              stream.pointee.codecpar.pointee.codec_id == AV_CODEC_ID_TIMED_ID3 else { return }
        timedMetadata = Array(UnsafeBufferPointer(start: data, count: Int(packet.pointee.size)))
    }

    /// Everything the decoder has ready, converted; `nil` when it needs more input.
    private func receiveFrames() throws(BoxError) -> [Int16]? {
        guard let codec, let frame else { return nil }
        var samples: [Int16] = []
        while true {
            let status = avcodec_receive_frame(codec, frame)
            if status == musicbox_averror_eagain() || status == musicbox_averror_eof() { break }
            if status < 0 { throw Self.refusal(path, "stopped decoding", status) }
            if let target = seekTargetMs {
                // Seeking lands on a packet boundary at or before the target; drop the difference.
                seekTargetMs = nil
                let landed = frame.pointee.best_effort_timestamp
                if landed != musicbox_av_nopts_value() {
                    let landedMs = av_rescale_q(landed - startTime, timeBase, AVRational(num: 1, den: 1000))
                    framesToSkip = max(0, Int(output.frames(forMilliseconds: target - landedMs)))
                }
            }
            var converted = convert(frame, count: Int(frame.pointee.nb_samples))
            if framesToSkip > 0 {
                let drop = min(framesToSkip, converted.count / output.channels)
                converted.removeFirst(drop * output.channels)
                framesToSkip -= drop
            }
            samples += converted
            av_frame_unref(frame)
        }
        return samples.isEmpty ? nil : samples
    }

    /// Resamples `count` input frames (or flushes, with `nil`).
    private func convert(_ frame: UnsafeMutablePointer<AVFrame>?, count: Int) -> [Int16] {
        guard let resampler else { return [] }
        let capacity = Int(swr_get_out_samples(resampler, Int32(count))) + 32
        guard capacity > 0 else { return [] }
        var samples = [Int16](repeating: 0, count: capacity * output.channels)
        let produced = samples.withUnsafeMutableBytes { raw -> Int32 in
            var out: UnsafeMutablePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard let frame else { return swr_convert(resampler, &out, Int32(capacity), nil, 0) }
            return swr_convert(resampler, &out, Int32(capacity), Self.constPlanes(frame), Int32(count))
        }
        guard produced > 0 else { return [] }
        samples.removeLast(samples.count - Int(produced) * output.channels)
        return samples
    }

    /// The frame's sample planes as `swr_convert` takes them (the same pointers, read-only).
    private static func constPlanes(_ frame: UnsafeMutablePointer<AVFrame>) -> UnsafeMutablePointer<UnsafePointer<UInt8>?>? {
        UnsafeMutableRawPointer(frame.pointee.extended_data).map { $0.assumingMemoryBound(to: UnsafePointer<UInt8>?.self) }
    }

    /// Jumps to `positionMs`; the next chunk starts there, to the sample (what precedes the target
    /// in the packet the demuxer lands on is decoded and dropped).
    public func seek(toMs positionMs: Int64) throws(BoxError) {
        guard let format, let codec else { return }
        let target = startTime + av_rescale_q(positionMs, AVRational(num: 1, den: 1000), timeBase)
        let status = av_seek_frame(format, streamIndex, target, AVSEEK_FLAG_BACKWARD)
        guard status >= 0 else { throw Self.refusal(path, "cannot seek to \(positionMs) ms", status) }
        avcodec_flush_buffers(codec)
        if let resampler { swr_init(resampler) }
        seekTargetMs = positionMs
        framesToSkip = 0
        nextFrame = output.frames(forMilliseconds: positionMs)
        state = .reading
    }

    private func release() {
        if frame != nil { av_frame_free(&frame) }
        if packet != nil { av_packet_free(&packet) }
        if resampler != nil { swr_free(&resampler) }
        if codec != nil { avcodec_free_context(&codec) }
        if format != nil { avformat_close_input(&format) }
    }

    // MARK: File facts

    /// The length the header states, in ms (0 when it states none).
    static func duration(of format: UnsafeMutablePointer<AVFormatContext>, stream: UnsafeMutablePointer<AVStream>) -> Int64 {
        if stream.pointee.duration != musicbox_av_nopts_value(), stream.pointee.duration > 0 {
            return av_rescale_q(stream.pointee.duration, stream.pointee.time_base, AVRational(num: 1, den: 1000))
        }
        if format.pointee.duration != musicbox_av_nopts_value(), format.pointee.duration > 0 {
            return format.pointee.duration / Int64(musicbox_av_time_base() / 1000)
        }
        return 0
    }

    private static func refusal(_ path: String, _ what: String, _ status: Int32) -> BoxError {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(status, &buffer, buffer.count)
        let reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return BoxError(.unsupportedFormat, "The file \(what): \(reason).", details: ["path": path])
    }
}

extension AudioFileDecoder {
    /// What a live stream's server says of it and of what it plays now: the ICY headers
    /// (`icy-name: …` lines) and the last ICY metadata block (`StreamTitle='…';`), raw bytes.
    public var streamMetadata: (headers: [UInt8]?, packet: [UInt8]?) {
        guard let format else { return (nil, nil) }
        return (Self.exportedOption(format, "icy_metadata_headers"), Self.exportedOption(format, "icy_metadata_packet"))
    }

    /// The codec, as FFmpeg names it (`mp3`, `aac`, `opus`).
    public var codecName: String {
        guard let codec else { return "unknown" }
        return String(cString: avcodec_get_name(codec.pointee.codec_id))
    }

    private static func exportedOption(_ format: UnsafeMutablePointer<AVFormatContext>, _ name: String) -> [UInt8]? {
        var value: UnsafeMutablePointer<UInt8>?
        guard av_opt_get(format, name, AV_OPT_SEARCH_CHILDREN, &value) >= 0, let value else { return nil }
        defer { av_free(value) }
        let bytes = Array(UnsafeBufferPointer(start: value, count: strlen(UnsafeRawPointer(value).assumingMemoryBound(to: CChar.self))))
        return bytes.isEmpty ? nil : bytes
    }

    /// The FFmpeg this binary uses, as loaded ("FFmpeg 7.1.2 (libavformat 61.7.100)").
    public static var library: String {
        let format = avformat_version()
        return "FFmpeg \(String(cString: av_version_info())) (libavformat \(format >> 16).\((format >> 8) & 0xFF).\(format & 0xFF))"
    }
}
