@_spi(Simulation) import Controls
import Logging
import Foundation
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
import Server
import Testing

@_spi(Simulation) @testable import Audio

@Suite("Feedback sounds: made in code, mixed into the output, played when the parents want them")
struct FeedbackTests {
    /// The amplitude of a sine at `frequency` in the left channel of `samples` (Goertzel).
    static func amplitude(_ samples: [Int16], _ frequency: Double, format: PCMFormat = .standard) -> Double {
        let left = stride(from: 0, to: samples.count, by: format.channels).map { Double(samples[$0]) }
        let k = 2 * cos(2 * Double.pi * frequency / Double(format.sampleRate))
        var s1 = 0.0, s2 = 0.0
        for x in left {
            let s0 = x + k * s1 - s2
            s2 = s1
            s1 = s0
        }
        return 2 * (max(0, s1 * s1 + s2 * s2 - k * s1 * s2)).squareRoot() / Double(left.count)
    }

    @Test("each cue holds its own notes and none of another's, starts and ends at silence, stays below full scale")
    func cuesAreDistinct() {
        let everyNote = Set(FeedbackCue.allCases.flatMap { ChimeSynthesizer.notes(of: $0).map(\.frequency) })
        for cue in FeedbackCue.allCases {
            let samples = ChimeSynthesizer.samples(of: cue, format: .standard)
            let own = Set(ChimeSynthesizer.notes(of: cue).map(\.frequency))
            let levels = Dictionary(uniqueKeysWithValues: everyNote.map { ($0, Self.amplitude(samples, $0)) })
            let loudest = levels.values.max() ?? 0
            #expect(loudest > 500, "\(cue)")
            for (frequency, level) in levels {
                if own.contains(frequency) {
                    #expect(level > loudest * 0.15, "\(cue): its note \(frequency) Hz is faint")
                } else {
                    #expect(level < loudest * 0.1, "\(cue): \(frequency) Hz belongs to another cue")
                }
            }
            let peak = samples.map { abs(Int($0)) }.max() ?? 0
            #expect(peak > 8000 && peak < 32767, "\(cue): peak \(peak)")
            #expect(abs(Int(samples[0])) < 200 && abs(Int(samples[samples.count - 1])) < 200, "\(cue) clicks")
            let seconds = Double(samples.count / 2) / 48_000
            #expect(seconds > 0.4 && seconds < 1.0, "\(cue) lasts \(seconds) s")
        }
    }

    @Test("a cue adds to the music at its gain, clamped, and goes on where it left off after a rewind")
    func voiceMixes() {
        var music = [Int16](repeating: 1000, count: 8)
        music[7] = 32000
        let voice = CueVoice(samples: [4000, 4000, 4000, 4000, 4000, 4000, 32767, 32767, 100, 200], gain: 0.5)
        let next = voice.mixed(into: &music, gain: 0.5)
        #expect(music == [3000, 3000, 3000, 3000, 3000, 3000, 17383, 32767])
        #expect(next?.cursor == 8)
        var alone: [Int16] = []
        var rewound = next!
        rewound.rewind(frames: 2, channels: 2)
        #expect(rewound.cursor == 4)
        let end = rewound.mixed(into: &alone, gain: 1, appending: 100)
        #expect(alone == [4000, 4000, 32767, 32767, 100, 200] && end == nil)
        // With a hardware volume control the cue is scaled against the music's gain.
        #expect(SoftwareGain.cueGain(0.064, volumeGain: 0.5, hardwareVolume: true) == 0.128)
        #expect(SoftwareGain.cueGain(0.9, volumeGain: 0.5, hardwareVolume: true) == 1)
        #expect(SoftwareGain.cueGain(0.064, volumeGain: 0.5, hardwareVolume: false) == 0.064)
    }

    @Test("a shutdown button acts only after the longer shutdown hold; its short press does nothing")
    func shutdownHold() {
        let start = ContinuousClock.now
        func run(_ decoder: inout ButtonDecoder, press: Int, release: Int) -> [(Int, ControlAction)] {
            var out: [(Int, ControlAction)] = []
            for ms in stride(from: 0, through: release + 100, by: 5) {
                let at = start + .milliseconds(ms)
                if ms == press { out += decoder.edge(pressed: true, at: at).map { (ms, $0) } }
                if ms == release { out += decoder.edge(pressed: false, at: at).map { (ms, $0) } }
                out += decoder.tick(at: at).map { (ms, $0) }
            }
            return out
        }
        var timing = ButtonDecoder.Timing()
        timing.shutdownHold = .seconds(3)
        var dedicated = ButtonDecoder(action: .none, longAction: .shutdown, timing: timing)
        #expect(run(&dedicated, press: 0, release: 2000).isEmpty)  // a long press of other buttons is not enough
        var held = ButtonDecoder(action: .none, longAction: .shutdown, timing: timing)
        let fired = run(&held, press: 0, release: 3500)
        #expect(fired.map(\.1) == [.shutdown] && fired[0].0 == 3000)
        var playPause = ButtonDecoder(action: .playPause, longAction: .shutdown, timing: timing)
        #expect(run(&playPause, press: 0, release: 1500).map(\.1) == [.playPause])
    }

    func harness(_ options: StateManager.Options = StateManager.Options()) throws -> (StateHarness, PlaylistDetail) {
        var playlist: PlaylistDetail!
        let harness = try StateHarness(options: options) { playlist = try StateHarness.seedPlaylist($0, title: "Songs", durations: [60_000]) }
        return (harness, playlist)
    }

    @Test("tags sound as they should: unknown, linked in a session, an empty playlist is an error; a playing tag is silent")
    func tagSounds() async throws {
        let (harness, playlist) = try harness()
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        let cues = { harness.engine.playedCues.map(\.cue) }
        await manager.tag(.placed(TagID("04aa0001")!))
        #expect(cues() == [.unknownTag])
        #expect(harness.engine.playedCues[0].volume == 30)  // the default sound volume
        _ = try await manager.startAssociation(playlistID: playlist.summary.id)
        await manager.tag(.placed(TagID("04bb0002")!))
        #expect(cues() == [.unknownTag, .tagLinked])
        await manager.tag(.placed(TagID("04bb0002")!))  // now it plays the playlist: no sound
        #expect(cues() == [.unknownTag, .tagLinked])
        let empty = try await manager.perform(CreatePlaylist(title: "Nothing yet")).value
        _ = try await manager.perform(LinkTag(tag: TagID("04cc0003")!, playlistID: empty.id))
        await manager.tag(.placed(TagID("04cc0003")!))
        #expect(cues() == [.unknownTag, .tagLinked, .error])
        // The same sound twice in a row within the repeat gap is one sound.
        await manager.tag(.placed(TagID("04cc0003")!))
        #expect(cues().count == 3)
    }

    @Test("never above the cap, silent when off, muted or in quiet time without music")
    func rules() async throws {
        let clock = SteeredClock()
        clock.set(hour: 12, minute: 0)
        var options = StateManager.Options()
        options.quietHoursCheckInterval = .milliseconds(20)
        let harness = try StateHarness(options: options, clock: clock.wall)
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        _ = try await manager.perform(UpdateSettings(maxVolume: 25, feedbackVolume: 60))
        #expect(await manager.playFeedback(.error, evenIfJustPlayed: true) == 25)
        _ = try await manager.perform(UpdateSettings(maxVolume: 100, feedbackVolume: 60))
        #expect(await manager.playFeedback(.error, evenIfJustPlayed: true) == 60)
        _ = try await manager.perform(UpdateSettings(feedbackSounds: false))
        #expect(await manager.playFeedback(.error, evenIfJustPlayed: true) == nil)
        _ = try await manager.perform(UpdateSettings(feedbackSounds: true))
        _ = try await manager.perform(SetVolume(volume: 50, muted: true))
        #expect(await manager.playFeedback(.error, evenIfJustPlayed: true) == nil)
        _ = try await manager.perform(SetVolume(volume: 0, muted: false))
        #expect(await manager.playFeedback(.error, evenIfJustPlayed: true) == nil)  // turned all the way down
        _ = try await manager.perform(SetVolume(volume: 50, muted: false))
        _ = try await manager.perform(UpdateSettings(quietHoursEnabled: true, quietHoursStart: "11:00", quietHoursEnd: "13:00", quietHoursMaxVolume: 0))
        try await waitFor { await manager.playerState.quietHoursActive }
        #expect(await manager.playFeedback(.error, evenIfJustPlayed: true) == nil)
        #expect(harness.engine.playedCues.map(\.volume) == [25, 60])
        #expect(try await manager.settings().feedbackVolume == 60)
        await #expect(throws: BoxError.self) { try await manager.perform(UpdateSettings(feedbackVolume: 101)) }

        var off = StateManager.Options()
        off.feedbackSounds = false  // audio.feedback_sounds = "off"
        let silent = try StateHarness(options: off)
        defer { silent.manager.shutdown() }
        #expect(await silent.manager.playFeedback(.ready) == nil && silent.engine.playedCues.isEmpty)
    }

    @Test("before switching off, playback pauses where it is (saved) and the goodbye sound plays")
    func powerOff() async throws {
        let (harness, playlist) = try harness()
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        _ = try await manager.perform(PlayPlaylist(playlistID: playlist.summary.id, positionMs: 5000))
        let wait = await manager.prepareForPowerOff()
        #expect(wait == FeedbackSounds.goodbyeLength)
        #expect(await manager.playerState.status == .paused)
        #expect(harness.engine.playedCues.map(\.cue) == [.goodbye])
        let point = try harness.store.resumePoint(for: playlist.summary.id)
        #expect(point?.positionMs ?? 0 >= 5000)
    }
}

@Suite("Switching off (PowerOff)")
struct PowerOffTests {
    @Test("a request nobody takes up is withdrawn, with the error sound, and the box can be asked again")
    func unanswered() async throws {
        let harness = try StateHarness()
        defer { harness.manager.shutdown() }
        let file = harness.dir.file("poweroff").path
        let power = PowerOff(requestFile: file, state: harness.manager, unansweredAfter: .milliseconds(300),
                             logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await power.request(by: "a test")
        #expect(await power.phase == .switchingOff)
        // Generous limits: the whole suite starts at once, and on 2 busy cores a second can pass unnoticed.
        try await waitFor(within: .seconds(30)) { FileManager.default.fileExists(atPath: file) }
        #expect(harness.engine.playedCues.map(\.cue) == [.goodbye])
        try await waitFor(within: .seconds(30)) { await power.phase == .idle }
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(harness.engine.playedCues.map(\.cue) == [.goodbye, .error])
        try await power.request(by: "a test")
        #expect(await power.phase == .switchingOff)
    }

    @Test("not set up, or a folder that cannot be written: refused with a reason, nothing changes")
    func notSetUp() async throws {
        let harness = try StateHarness()
        defer { harness.manager.shutdown() }
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        for file in [nil, "/nonexistent-folder/poweroff"] {
            let power = PowerOff(requestFile: file, state: harness.manager, logger: quiet)
            await #expect(throws: BoxError.self) { try await power.request(by: "a test") }
            #expect(await power.phase == .idle)
        }
        #expect(harness.engine.playedCues.isEmpty)
        #expect(PowerOff.requestFile(configured: "", environment: ["RUNTIME_DIRECTORY": "/run/musicboxd"]) == "/run/musicboxd/poweroff")
        #expect(PowerOff.requestFile(configured: "/tmp/x", environment: ["RUNTIME_DIRECTORY": "/run/musicboxd"]) == "/tmp/x")
        #expect(PowerOff.requestFile(configured: "", environment: [:]) == nil)
    }
}
