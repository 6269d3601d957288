import CFFmpeg
import Foundation
import MusicBoxCore

/// Checks uploaded files with FFmpeg before they join the library.
///
/// It reads every packet of the audio stream (cheap: no decoding) to learn the real length and to
/// notice a file that breaks off before the length its header states, and decodes the first seconds
/// to prove the codec really decodes. A file that is not audio, uses a codec this build lacks, or
/// was cut short is refused with `unsupported_format` and a `reason` detail.
public struct FFmpegAudioProbe: AudioProbe {
    /// How much audio is decoded to prove the file decodes.
    public var decodeSeconds: Double

    public init(decodeSeconds: Double = 5) {
        self.decodeSeconds = decodeSeconds
    }

    public func probe(path: String) throws(BoxError) -> ProbedAudio {
        try ProbeRun(path: path, decodeSeconds: decodeSeconds).run()
    }
}

/// One probe of one file; owns the FFmpeg contexts it opens.
private final class ProbeRun {
    let path: String
    let decodeSeconds: Double
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?

    init(path: String, decodeSeconds: Double) {
        self.path = path
        self.decodeSeconds = decodeSeconds
    }

    deinit {
        if frame != nil { av_frame_free(&frame) }
        if packet != nil { av_packet_free(&packet) }
        if codec != nil { avcodec_free_context(&codec) }
        if format != nil { avformat_close_input(&format) }
    }

    func run() throws(BoxError) -> ProbedAudio {
        AudioFileDecoder.silenceFFmpeg()
        var status = avformat_open_input(&format, path, nil, nil)
        guard status >= 0, let format else { throw refusal("not_audio", "is not an audio file this box knows", status) }
        status = avformat_find_stream_info(format, nil)
        guard status >= 0 else { throw refusal("not_audio", "has no readable audio in it", status) }
        var decoderPointer: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, &decoderPointer, 0)
        guard index >= 0, let stream = format.pointee.streams[Int(index)] else {
            throw refusal("no_audio_stream", "has no audio stream", index)
        }
        let parameters = stream.pointee.codecpar.pointee
        guard let decoder = decoderPointer else {
            throw refusal("codec_unsupported", "uses the \(Self.codecName(parameters.codec_id)) codec, which this box cannot play", index)
        }
        codec = avcodec_alloc_context3(decoder)
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        guard let codec, let packet, let frame else { throw BoxError(.internalError, "Out of memory while probing the file.") }
        status = avcodec_parameters_to_context(codec, stream.pointee.codecpar)
        if status >= 0 { status = avcodec_open2(codec, decoder, nil) }
        guard status >= 0 else { throw refusal("codec_unsupported", "cannot be decoded", status) }

        let timeBase = stream.pointee.time_base
        let startTime = stream.pointee.start_time == musicbox_av_nopts_value() ? 0 : stream.pointee.start_time
        let decodeLimit = Int64(decodeSeconds * Double(max(codec.pointee.sample_rate, 1)))
        var decodedSamples: Int64 = 0
        var decodeFailures = 0
        var packets = 0
        var end = Int64.min
        while av_read_frame(format, packet) >= 0 {
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == index else { continue }
            packets += 1
            let pts = packet.pointee.pts != musicbox_av_nopts_value() ? packet.pointee.pts : packet.pointee.dts
            if pts != musicbox_av_nopts_value() { end = max(end, pts + max(packet.pointee.duration, 0)) }
            guard decodedSamples < decodeLimit else { continue }
            if avcodec_send_packet(codec, packet) < 0 { decodeFailures += 1; continue }
            while avcodec_receive_frame(codec, frame) >= 0 {
                decodedSamples += Int64(frame.pointee.nb_samples)
                av_frame_unref(frame)
            }
        }
        if decodedSamples < decodeLimit {
            avcodec_send_packet(codec, nil)
            while avcodec_receive_frame(codec, frame) >= 0 {
                decodedSamples += Int64(frame.pointee.nb_samples)
                av_frame_unref(frame)
            }
        }
        guard decodedSamples > 0 else {
            let reason = packets == 0 ? "has no audio in it" : "did not decode (\(decodeFailures) of its first packets were damaged)"
            throw refusal(packets == 0 ? "empty" : "undecodable", reason, nil)
        }

        let headerMs = AudioFileDecoder.duration(of: format, stream: stream)
        let measuredMs = end == Int64.min ? 0 : av_rescale_q(end - startTime, timeBase, AVRational(num: 1, den: 1000))
        if headerMs > 0, measuredMs > 0, headerMs - measuredMs > max(300, headerMs / 50) {
            throw BoxError(
                .unsupportedFormat,
                "The file breaks off at \(AudioFileDecoder.clock(measuredMs)) of its \(AudioFileDecoder.clock(headerMs)); it was probably cut short while copying or uploading.",
                details: ["reason": "truncated", "ended_ms": String(measuredMs), "duration_ms": String(headerMs)]
            )
        }
        // The header's length leaves out encoder padding the packets include; trust it when it agrees.
        let durationMs = headerMs > 0 ? headerMs : measuredMs

        let tags = FFmpegTags(format.pointee.metadata, stream.pointee.metadata)
        let artwork = Self.artwork(in: format)
        let metadata = AudioMetadata(
            title: tags["title"], artist: tags["artist"] ?? tags["album_artist"], album: tags["album"],
            trackNumber: tags["track"].flatMap(Self.leadingNumber), discNumber: tags["disc"].flatMap(Self.leadingNumber),
            durationMs: durationMs, container: String(cString: format.pointee.iformat.pointee.name),
            codec: Self.codecName(parameters.codec_id), sampleRate: Int(parameters.sample_rate),
            channels: Int(parameters.ch_layout.nb_channels),
            bitRate: format.pointee.bit_rate > 0 ? Int(format.pointee.bit_rate) : nil, hasCover: artwork != nil,
            truncatedTags: tags.truncated.map { $0 == "album_artist" ? "artist" : $0 }
        )
        let chapters = Chapters.kept(Self.chapters(in: format, id3: metadata.container == "mp3"), durationMs: durationMs)
        return ProbedAudio(metadata: metadata, artwork: artwork, chapters: chapters)
    }

    /// The chapters the container states: MP4/M4B chapter lists (Nero `chpl` and QuickTime
    /// chapter tracks) and MP3 ID3 `CHAP` frames all become FFmpeg's `AVChapter`s. At most a
    /// few more than are kept are read, so a file claiming millions costs nothing.
    ///
    /// An ID3 `CHAP` without a `TIT2` title gets its element id as title from FFmpeg ("ch1",
    /// "chp3"): an identifier for software, not a name, so it is dropped (`id3`).
    private static func chapters(in format: UnsafeMutablePointer<AVFormatContext>, id3: Bool) -> [Chapter] {
        let count = min(Int(format.pointee.nb_chapters), Chapters.maximumCount * 2)
        guard count > 0, let list = format.pointee.chapters else { return [] }
        let milliseconds = AVRational(num: 1, den: 1000)
        return (0..<count).compactMap { index in
            guard let chapter = list[index] else { return nil }
            let timeBase = chapter.pointee.time_base
            guard timeBase.num > 0, timeBase.den > 0 else { return nil }
            var title = FFmpegTags(chapter.pointee.metadata)["title"]
            if id3, let named = title, Self.isElementID(named) { title = nil }
            return Chapter(
                title: title,
                startMs: av_rescale_q(chapter.pointee.start, timeBase, milliseconds),
                endMs: av_rescale_q(chapter.pointee.end, timeBase, milliseconds)
            )
        }
    }

    private func refusal(_ reason: String, _ what: String, _ status: Int32?) -> BoxError {
        var message = "The file \(what)"
        if let status, status < 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            av_strerror(status, &buffer, buffer.count)
            message += " (\(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))"
        }
        return BoxError(.unsupportedFormat, message + ".", details: ["reason": reason])
    }

    /// `3/12` → 3.
    private static func leadingNumber(_ text: String) -> Int? {
        Int(text.prefix { $0.isNumber })
    }

    /// The embedded cover: an attached picture stream (ID3 APIC, MP4 `covr`, FLAC and Vorbis
    /// PICTURE blocks all become one). Only JPEG and PNG are kept, since every browser shows them.
    private static func artwork(in format: UnsafeMutablePointer<AVFormatContext>) -> Artwork? {
        for index in 0..<Int(format.pointee.nb_streams) {
            guard let stream = format.pointee.streams[index],
                  stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0,
                  let bytes = stream.pointee.attached_pic.data else { continue }
            let size = Int(stream.pointee.attached_pic.size)
            guard size > 8, size <= Artwork.maximumBytes else { continue }
            let data = Data(bytes: bytes, count: size)
            if data.starts(with: [0xFF, 0xD8, 0xFF]) { return Artwork(mimeType: "image/jpeg", data: data) }
            if data.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return Artwork(mimeType: "image/png", data: data) }
        }
        return nil
    }

    /// `ch1`, `chp12`, `chapter3`, `7`: a few ASCII letters, then digits, nothing else.
    static func isElementID(_ text: String) -> Bool {
        let letters = text.prefix { $0.isASCII && $0.isLetter }
        let digits = text.dropFirst(letters.count)
        return letters.count <= 8 && !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func codecName(_ id: AVCodecID) -> String {
        avcodec_get_name(id).map { String(cString: $0) } ?? "unknown"
    }
}
