import Audio
import Foundation
import Logging
import Synchronization
import MusicBoxCore
import Testing

/// Tones made at test time with ffmpeg, one frequency per format, decoded by our FFmpeg decoder
/// and played through real ALSA (its `file` plugin, which needs no sound card).
@Suite("Audio decoding and ALSA output")
struct AudioDecodingTests {
    struct Tone: Sendable, CustomStringConvertible {
        var ext: String
        var frequency: Int
        var codec: [String]
        var description: String { "\(ext) \(frequency) Hz" }
    }

    static let tones = [
        Tone(ext: "wav", frequency: 440, codec: []),
        Tone(ext: "mp3", frequency: 523, codec: ["-c:a", "libmp3lame", "-b:a", "128k"]),
        Tone(ext: "flac", frequency: 659, codec: []),
        Tone(ext: "ogg", frequency: 784, codec: ["-c:a", "libvorbis"]),
        Tone(ext: "opus", frequency: 880, codec: ["-c:a", "libopus"]),
        Tone(ext: "m4a", frequency: 988, codec: ["-c:a", "aac"]),
        Tone(ext: "alac.m4a", frequency: 1175, codec: ["-c:a", "alac"]),
    ]

    /// Runs ffmpeg to make a 1 s stereo tone at 44.1 kHz, tagged.
    static func makeTone(_ tone: Tone, in dir: TemporaryDirectory) throws -> URL {
        let file = dir.file("tone-\(tone.frequency).\(tone.ext)")
        let arguments = ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=\(tone.frequency):duration=1:sample_rate=44100",
                         "-ac", "2", "-metadata", "title=Tone \(tone.frequency)", "-metadata", "artist=Test"] + tone.codec + [file.path]
        try run("/usr/bin/ffmpeg", arguments)
        return file
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HTTPClientError(description: "\(executable) failed: \(arguments)") }
    }

    /// Frequency of the left channel from its zero crossings, over the middle of the signal
    /// (codecs fade in and pad at the edges).
    static func frequency(of samples: [Int16], format: PCMFormat) -> Double {
        let left = stride(from: 0, to: samples.count, by: format.channels).map { samples[$0] }
        let start = left.count / 10, end = left.count * 9 / 10
        var crossings = 0
        for index in (start + 1)..<end where (left[index - 1] < 0) != (left[index] < 0) { crossings += 1 }
        return Double(crossings) / 2 / (Double(end - start) / Double(format.sampleRate))
    }

    static func decodeAll(_ decoder: AudioFileDecoder) throws -> [Int16] {
        var samples: [Int16] = []
        while let chunk = try decoder.nextChunk() { samples += chunk }
        return samples
    }

    @Test("each format decodes to the right tone, length and tags at the output rate", arguments: tones)
    func decodes(_ tone: Tone) throws {
        let dir = try TemporaryDirectory()
        let decoder = try AudioFileDecoder(path: try Self.makeTone(tone, in: dir).path)
        let samples = try Self.decodeAll(decoder)
        let format = PCMFormat.standard
        let seconds = Double(samples.count / format.channels) / Double(format.sampleRate)
        #expect(abs(seconds - 1) < 0.06, "decoded \(seconds) s")
        #expect(abs(Double(decoder.durationMs) - 1000) < 60, "container says \(decoder.durationMs) ms")
        let measured = Self.frequency(of: samples, format: format)
        #expect(abs(measured - Double(tone.frequency)) / Double(tone.frequency) < 0.01, "measured \(measured) Hz")
        #expect(decoder.tags["title"] == "Tone \(tone.frequency)")
        #expect(decoder.tags["artist"] == "Test")
    }

    @Test("what ALSA's file plugin captures is exactly what we wrote")
    func alsaFileOutput() throws {
        let dir = try TemporaryDirectory()
        let decoder = try AudioFileDecoder(path: try Self.makeTone(Self.tones[1], in: dir).path)
        let capture = dir.file("captured.raw")
        let output = try ALSAOutput(device: "file:FILE=\(capture.path),FORMAT=raw")
        var written: [Int16] = []
        while let chunk = try decoder.nextChunk() {
            try output.write(chunk)
            written += chunk
        }
        output.drain()
        let bytes = try Data(contentsOf: capture)
        let captured = bytes.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(captured.count == written.count)
        let identical = captured == written
        #expect(identical)
        #expect(abs(Self.frequency(of: captured, format: .standard) - 523) < 5)
    }

    @Test("a text file named .mp3, an empty file and a missing file are refused with unsupported_format")
    func refusals() throws {
        let dir = try TemporaryDirectory()
        let text = dir.file("notes.mp3")
        try Data("This is a shopping list, not a song.\n".utf8).write(to: text)
        let empty = dir.file("empty.flac")
        try Data().write(to: empty)
        for path in [text.path, empty.path] {
            do {
                _ = try AudioFileDecoder(path: path)
                Issue.record("\(path) was accepted")
            } catch {
                #expect(error.code == .unsupportedFormat)
                #expect(error.details["path"] == path)
            }
        }
        let missing = dir.file("missing.ogg").path
        #expect(throws: BoxError.self) { _ = try AudioFileDecoder(path: missing) }
        do {
            _ = try AudioFileDecoder(path: missing)
        } catch {
            #expect(error.code == .notFound && error.details["reason"] == "missing")
        }
    }

    @Test("a file cut short gives what it has, then says it breaks off", arguments: [tones[1], tones[2]])
    func truncated(_ tone: Tone) throws {
        let dir = try TemporaryDirectory()
        let full = try Self.makeTone(tone, in: dir)
        let data = try Data(contentsOf: full)
        let half = dir.file("half.\(tone.ext)")
        try data.prefix(data.count / 2).write(to: half)
        let decoder = try AudioFileDecoder(path: half.path)
        var samples: [Int16] = []
        do {
            while let chunk = try decoder.nextChunk() { samples += chunk }
            Issue.record("a cut \(tone.ext) ended quietly after \(samples.count / 2) frames")
        } catch {
            #expect(error.code == .unsupportedFormat && error.details["reason"] == "truncated", "\(error.message)")
            #expect(error.message.contains("breaks off at 0:00 of its 0:01"), "\(error.message)")
        }
        // An MP3 decodes up to the cut; FFmpeg's FLAC parser gives up a few frames before it
        // (the ffmpeg tool decodes exactly as much of such a file).
        let seconds = Double(samples.count / 2) / 48_000
        #expect(seconds > (tone.ext == "mp3" ? 0.3 : 0.05) && seconds < 0.7, "decoded \(seconds) s of a cut file")
        // The whole file still ends quietly.
        #expect(throws: Never.self) { _ = try Self.decodeAll(try AudioFileDecoder(path: full.path)) }
    }

    @Test("seeking lands on the asked position within 20 ms, in every format", arguments: tones)
    func seekPrecision(_ tone: Tone) throws {
        let dir = try TemporaryDirectory()
        let file = try Self.makeTone(tone, in: dir)
        let whole = try Self.decodeAll(try AudioFileDecoder(path: file.path))
        let decoder = try AudioFileDecoder(path: file.path)
        try decoder.seek(toMs: 600)
        let rest = try Self.decodeAll(decoder)
        // What remains after the seek is the end of the whole decode: the seek landed where that part starts.
        let landedMs = Double(whole.count - rest.count) / 2 / 48
        #expect(abs(landedMs - 600) <= 20, "landed at \(landedMs) ms")
    }

    @Test("seeking lands at the asked position")
    func seek() throws {
        let dir = try TemporaryDirectory()
        // A tone whose frequency steps at 0.5 s tells where the decoder landed.
        let file = dir.file("steps.flac")
        try Self.run("/usr/bin/ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=300:duration=0.5:sample_rate=48000",
                                         "-f", "lavfi", "-i", "sine=frequency=1200:duration=0.5:sample_rate=48000",
                                         "-filter_complex", "[0][1]concat=n=2:v=0:a=1", "-ac", "2", file.path])
        let decoder = try AudioFileDecoder(path: file.path)
        try decoder.seek(toMs: 600)
        let after = try Self.decodeAll(decoder)
        #expect(Self.frequency(of: after, format: .standard) > 1000)
        let seconds = Double(after.count / 2) / 48_000
        #expect(abs(seconds - 0.4) < 0.03, "\(seconds) s left after seeking to 0.6 s")
    }
}

/// Collects log messages, for tests that check what was logged.
struct CollectingLogHandler: LogHandler {
    final class Messages: Sendable {
        let list = Mutex<[String]>([])
    }
    let messages = Messages()
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { messages.list.withLock { $0.append("\(event.level) \(event.message)") } }
}

@Suite("alsa-lib messages")
struct ALSAMessageTests {
    @Test("alsa-lib's own complaints land in our log instead of on stderr")
    func routed() throws {
        let handler = CollectingLogHandler()
        ALSAMessages.routeToLog(Logger(label: "test") { _ in handler })
        #expect(throws: BoxError.self) { try ALSAOutput(device: "no_such_device") }
        let logged = handler.messages.list.withLock { $0 }
        #expect(logged.contains { $0.hasPrefix("warning alsa-lib: Unknown PCM no_such_device") }, "\(logged)")
    }
}
