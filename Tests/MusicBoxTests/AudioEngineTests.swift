@testable import Audio
import Foundation
import Logging
import MediaLibrary
import MusicBoxCore
import Synchronization
import Testing

/// The ALSA engine driven by the real state manager, into ALSA's `file` plugin (unpaced: tracks
/// play as fast as they decode, which is what checks gaps and order hardest).
@Suite("ALSA playback engine")
struct AudioEngineTests {
    struct Box {
        let dir: TemporaryDirectory
        let manager: StateManager
        let engine: ALSAPlaybackEngine
        let playlist: PlaylistDetail
        let capture: URL
        let decoded: [[Int16]]
    }

    /// A playlist of 0.5 s tones (one frequency each, in three formats), its files made by ffmpeg.
    /// `openSink`: the device the engine writes to (`nil`: ALSA's `file` plugin into `capture`).
    static func makeBox(frequencies: [Int] = [440, 660, 880], openSink: OutputWorker.SinkOpener? = nil) throws -> Box {
        let dir = try TemporaryDirectory()
        let formats = [("wav", [String]()), ("flac", []), ("ogg", ["-c:a", "libvorbis"])]
        var files: [URL] = []
        for (index, frequency) in frequencies.enumerated() {
            let (ext, codec) = formats[index % formats.count]
            let file = dir.file("t\(index).\(ext)")
            try AudioDecodingTests.run("/usr/bin/ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i",
                "sine=frequency=\(frequency):duration=0.5:sample_rate=48000", "-ac", "2"] + codec + [file.path])
            files.append(file)
        }
        let decoded = try files.map { try AudioDecodingTests.decodeAll(try AudioFileDecoder(path: $0.path)) }
        let database = try LibraryDatabase(path: dir.file("box.sqlite").path)
        let store = GRDBLibraryStore(database: database, media: try MediaFolder(directory: dir.url.appendingPathComponent("media")))
        let playlist = try StateHarness.seedPlaylist(store, title: "Tones", durations: decoded.map { Int64($0.count / 2 * 1000 / 48_000) })
        let paths = Dictionary(uniqueKeysWithValues: zip(playlist.tracks.map(\.id), files.map(\.path)))
        let capture = dir.file("out.raw")
        let configuration = ALSAPlaybackEngine.Configuration(device: "file:FILE=\(capture.path),FORMAT=raw")
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let engine = if let openSink {
            ALSAPlaybackEngine(configuration: configuration, resolve: { paths[$0] }, logger: logger, openSink: openSink)
        } else {
            ALSAPlaybackEngine(configuration: configuration, resolve: { paths[$0] }, logger: logger)
        }
        // The captures are compared with the decoded tracks: no feedback sound may join them.
        var options = StateManager.Options()
        options.feedbackSounds = false
        let manager = try StateManager(store: store, engine: engine, publisher: EventRecorder(), options: options)
        return Box(dir: dir, manager: manager, engine: engine, playlist: playlist, capture: capture, decoded: decoded)
    }

    static func captured(_ box: Box) throws -> [Int16] {
        try Data(contentsOf: box.capture).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
    }

    @Test("a playlist plays in order, gaplessly: the capture is the tracks back to back, nothing between")
    func gaplessOrder() async throws {
        let box = try Self.makeBox()
        _ = try await box.manager.perform(SetVolume(volume: 100))
        _ = try await box.manager.perform(PlayPlaylist(playlistID: box.playlist.summary.id))
        try await waitFor { await box.manager.playerState.status == .stopped }
        try await Task.sleep(for: .milliseconds(100))
        let captured = try Self.captured(box)
        let expected = box.decoded.reduce([], +)
        #expect(captured.count == expected.count, "captured \(captured.count) samples, the tracks have \(expected.count)")
        let identical = captured == expected
        #expect(identical, "the capture differs from the decoded tracks")
        // And the order by ear: each third has its own tone.
        var offset = 0
        for (samples, frequency) in zip(box.decoded, [440.0, 660, 880]) {
            let part = Array(captured[offset..<min(captured.count, offset + samples.count)])
            #expect(abs(AudioDecodingTests.frequency(of: part, format: .standard) - frequency) < frequency * 0.01)
            offset += samples.count
        }
        box.engine.shutdown()
        box.manager.shutdown()
    }

    @Test("volume 50 scales the amplitude by the cubic curve (× 0.125), and max_volume caps it")
    func volumeCurve() async throws {
        let box = try Self.makeBox(frequencies: [440])
        _ = try await box.manager.perform(UpdateSettings(maxVolume: 50))
        _ = try await box.manager.perform(SetVolume(volume: 100))  // capped to 50
        _ = try await box.manager.perform(PlayPlaylist(playlistID: box.playlist.summary.id))
        try await waitFor { await box.manager.playerState.status == .stopped }
        try await Task.sleep(for: .milliseconds(100))
        let captured = try Self.captured(box)
        let original = box.decoded[0]
        #expect(captured.count == original.count)
        let peakIn = Double(original.map { abs(Int($0)) }.max() ?? 0)
        let peakOut = Double(captured.map { abs(Int($0)) }.max() ?? 0)
        #expect(abs(peakOut / peakIn - 0.125) < 0.005, "peak ratio \(peakOut / peakIn)")
        box.engine.shutdown()
        box.manager.shutdown()
    }

    @Test("a missing file is reported and skipped; the next track still plays")
    func missingFileSkipped() async throws {
        let box = try Self.makeBox()
        try FileManager.default.removeItem(at: box.dir.file("t1.flac"))
        _ = try await box.manager.perform(SetVolume(volume: 100))
        _ = try await box.manager.perform(PlayPlaylist(playlistID: box.playlist.summary.id))
        try await waitFor { await box.manager.playerState.status == .stopped }
        try await Task.sleep(for: .milliseconds(100))
        let captured = try Self.captured(box)
        #expect(captured.count == box.decoded[0].count + box.decoded[2].count)
        let last = Array(captured.suffix(box.decoded[2].count))
        #expect(abs(AudioDecodingTests.frequency(of: last, format: .standard) - 880) < 9)
        box.engine.shutdown()
        box.manager.shutdown()
    }
}
