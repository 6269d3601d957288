@testable import Audio
import Foundation
import Logging
import MediaLibrary
import MusicBoxCore
import Synchronization
import Testing

/// A playback device that keeps what it is given: the output worker's handling of the device
/// (what it writes, when it drops, drains and fades, losing and reopening it) without a sound card.
/// Its delay is 0: everything written is heard at once.
final class FakeDevice: Sendable {
    struct Log {
        var samples: [Int16] = []
        var drains = 0
        var opens = 0
        /// Each drain, drop and fade, with how many samples had been written when it came.
        var events: [(String, Int)] = []
        /// Opening fails while set; writes fail while set.
        var refuseOpen = false
        var failWrites = false
    }

    let log = Mutex(Log())

    func open() throws(BoxError) -> any PCMSink {
        let refused = log.withLock { log -> Bool in
            guard !log.refuseOpen else { return true }
            log.opens += 1
            return false
        }
        if refused { throw BoxError(.hardwareUnavailable, "Cannot open the fake device: unplugged.") }
        return Sink(device: self)
    }

    final class Sink: PCMSink {
        let device: FakeDevice
        let bufferFrames = 4800
        let periodFrames = 1200
        let underruns = 0
        let suspends = 0
        init(device: FakeDevice) { self.device = device }

        func write(_ samples: [Int16]) throws(BoxError) {
            let failed = device.log.withLock { log -> Bool in
                guard !log.failWrites else { return true }
                log.samples += samples
                return false
            }
            if failed { throw BoxError(.hardwareUnavailable, "Cannot write to the fake device: gone.") }
        }

        func delayFrames() -> Int { 0 }
        func drain() { device.log.withLock { $0.drains += 1; $0.events.append(("drain", $0.samples.count)) } }
        func drop() { device.log.withLock { $0.events.append(("drop", $0.samples.count)) } }
        func fadeOut(frames: Int) -> Int {
            device.log.withLock { $0.events.append(("fade", $0.samples.count)) }
            return frames
        }
    }
}

/// Collects the engine's reports.
final class ReportLog: Sendable {
    let reports = Mutex<[PlaybackReport]>([])
    func record(_ report: PlaybackReport) { reports.withLock { $0.append(report) } }
    var all: [PlaybackReport] { reports.withLock { $0 } }
}

@Suite("ALSA engine workers on a fake device")
struct EngineWorkerTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func engine(_ device: FakeDevice, files: [TrackID: String] = [:], retry: Duration = .milliseconds(20)) -> ALSAPlaybackEngine {
        var configuration = ALSAPlaybackEngine.Configuration(device: "fake")
        configuration.retryInterval = retry
        return ALSAPlaybackEngine(configuration: configuration, resolve: { files[$0] }, logger: quiet, openSink: { () throws(BoxError) in try device.open() })
    }

    static func track(_ durationMs: Int64 = 500) -> PlaybackItem {
        PlaybackItem(track: Track(
            id: TrackID(uuid: UUID()), playlistID: PlaylistID(uuid: UUID()), trackNumber: 1, title: "t", artist: nil, album: nil,
            durationMs: durationMs, filename: "t.wav", fileSize: 0, createdAt: 0
        ))
    }

    @Test("gapless through the state manager: the tracks are written back to back, the device never dropped, drained or faded between them, and played out after the last")
    func gaplessHandover() async throws {
        let device = FakeDevice()
        let box = try AudioEngineTests.makeBox(openSink: { () throws(BoxError) in try device.open() })
        let (manager, engine) = (box.manager, box.engine)
        _ = try await manager.perform(SetVolume(volume: 100))
        _ = try await manager.perform(PlayPlaylist(playlistID: box.playlist.summary.id))
        try await waitFor { await manager.playerState.status == .stopped }
        let log = device.log.withLock { $0 }
        let expected = box.decoded.reduce([], +)
        #expect(log.samples.count == expected.count)
        #expect(log.samples == expected, "what the device got differs from the tracks back to back")
        // Nothing stops the device between the tracks: every drop, drain and fade came before the
        // first sample or after the last, and it was drained (played out) after the last.
        let between = log.events.filter { $0.1 != 0 && $0.1 != expected.count }
        #expect(between.isEmpty, "the device was stopped between tracks: \(between)")
        #expect(log.events.contains { $0 == ("drain", expected.count) })
        manager.shutdown()
        engine.shutdown()
    }

    @Test("a device that cannot be opened is unavailable with its reason and retried; once it opens it is available, and nothing is reported (it was never lost)")
    func openRetried() async throws {
        let device = FakeDevice()
        device.log.withLock { $0.refuseOpen = true }
        let engine = Self.engine(device)
        let reports = ReportLog()
        engine.setReportHandler { reports.record($0) }
        try await waitFor { engine.problem != nil }
        #expect(engine.health == .unavailable)
        #expect(engine.problem?.contains("unplugged") == true)
        device.log.withLock { $0.refuseOpen = false }
        try await waitFor { engine.health == .available }
        #expect(engine.problem == nil)
        #expect(reports.all.isEmpty)
        #expect(engine.statistics?.reopened == 0)
        engine.shutdown()
    }

    @Test("a device that fails while a cue plays is lost (reported), reopened once it works again (reported), and health counts the reopening")
    func lostAndRestored() async throws {
        let device = FakeDevice()
        let engine = Self.engine(device)
        let reports = ReportLog()
        engine.setReportHandler { reports.record($0) }
        try await waitFor { engine.health == .available }
        // Unplugged: writes fail and it cannot be opened again until it is back.
        device.log.withLock { $0.failWrites = true; $0.refuseOpen = true }
        engine.play(.ready, volume: 100)
        try await waitFor { reports.all.contains { if case .outputLost = $0 { true } else { false } } }
        #expect(engine.health == .unavailable)
        try await waitFor { engine.problem?.contains("unplugged") == true }
        #expect(!reports.all.contains(.outputRestored))
        device.log.withLock { $0.failWrites = false; $0.refuseOpen = false }
        try await waitFor { reports.all.contains(.outputRestored) }
        #expect(engine.health == .available)
        #expect(engine.statistics?.reopened == 1)
        #expect(device.log.withLock { $0.opens } == 2)
        engine.shutdown()
    }

    @Test("a cue with nothing playing is written alone, exactly its samples at volume 100, and the device drained after it")
    func cueAlone() async throws {
        let device = FakeDevice()
        let engine = Self.engine(device)
        try await waitFor { engine.health == .available }
        engine.play(.tagLinked, volume: 100)
        try await waitFor { device.log.withLock { $0.drains } >= 1 }
        let chime = ChimeSynthesizer.samples(of: .tagLinked, format: .standard)
        #expect(device.log.withLock { $0.samples } == chime)
        engine.shutdown()
    }

    @Test("the transport: pause holds the position, resume plays on from it in a new generation, prepareNext belongs to the track current when it was said")
    func transport() {
        let start = ContinuousClock.now
        var state = EngineState(format: .standard, device: "fake", now: start)
        let first = Self.track(), second = Self.track()
        #expect(state.apply(.load(first, atMs: 1500, playing: true), now: start) == [.flushQueue, .wakeOutput])
        #expect(state.position(at: start) == 1500, "before its first frame is heard, where it starts")
        guard case .decode(let job) = state.takeJob() else { Issue.record("no job"); return }
        #expect(job.fromMs == 1500 && job.item == first)
        #expect(state.takeJob() == .idle, "a job is taken once")
        #expect(state.next(after: first.track.id, generation: job.generation) == .unknown)
        _ = state.apply(.prepareNext(second), now: start)
        #expect(state.next(after: first.track.id, generation: job.generation) == .known(second))
        // One second heard, measured now.
        state.ledger.begin(TrackKey(id: first.track.id, generation: job.generation, instance: 1), outputStart: 0, trackStartFrame: 72_000)
        #expect(state.heard(played: 48_000, written: 96_000, generation: job.generation, now: start).isEmpty)
        #expect(state.position(at: start) == 2500)
        _ = state.apply(.pause, now: start)
        #expect(state.transport == .paused(first, atMs: 2500))
        #expect(state.isStale(job.generation))
        #expect(state.next(after: first.track.id, generation: job.generation) == .abandoned)
        _ = state.apply(.resume, now: start)
        guard case .decode(let resumed) = state.takeJob() else { Issue.record("no job after resume"); return }
        #expect(resumed.fromMs == 2500 && resumed.generation > job.generation)
        _ = state.apply(.stop, now: start)
        #expect(state.transport == .stopped && state.position(at: start) == 0)
        #expect(state.apply(.resume, now: start).isEmpty, "nothing to resume after stop")
    }

    @Test("gone on into the next track by itself, the manager's load of it at 0 changes nothing; after the last track the transport holds at 0")
    func continuedLoad() {
        let start = ContinuousClock.now
        var state = EngineState(format: .standard, device: "fake", now: start)
        let first = Self.track(), second = Self.track()
        _ = state.apply(.load(first, atMs: 0, playing: true), now: start)
        let generation = state.generation
        let a = TrackKey(id: first.track.id, generation: generation, instance: 1)
        let b = TrackKey(id: second.track.id, generation: generation, instance: 2)
        state.ledger.begin(a, outputStart: 0, trackStartFrame: 0)
        state.ledger.end(a, outputEnd: 24_000, successor: second)
        state.ledger.begin(b, outputStart: 24_000, trackStartFrame: 0)
        #expect(state.heard(played: 30_000, written: 30_000, generation: generation, now: start) == [first.track.id])
        #expect(state.transport == .playing(second, fromMs: 0))
        #expect(state.position(at: start) == 125, "6000 frames into the second track")
        #expect(state.apply(.load(second, atMs: 0, playing: true), now: start).isEmpty)
        #expect(state.generation == generation, "no new generation: the audio goes on")
        state.ledger.end(b, outputEnd: 48_000, successor: nil)
        #expect(state.heard(played: 47_999, written: 48_000, generation: generation, now: start).isEmpty)
        #expect(state.heard(played: 48_000, written: 48_000, generation: generation, now: start) == [second.track.id])
        #expect(state.heard(played: 48_000, written: 48_000, generation: generation, now: start).isEmpty, "reported once")
        #expect(state.transport == .paused(second, atMs: 0))
    }

    @Test("between measurements the heard position runs on at the rate, never past what was written")
    func ledgerExtrapolates() {
        let start = ContinuousClock.now
        var ledger = PositionLedger(sampleRate: 48_000, now: start)
        #expect(ledger.heardFrames(at: start + .seconds(1)) == 0, "nothing heard before the first measurement")
        _ = ledger.measure(played: 4800, written: 9600, at: start)
        #expect(ledger.heardFrames(at: start + .milliseconds(50)) == 7200)
        #expect(ledger.heardFrames(at: start + .seconds(1)) == 9600)
    }
}
