@_spi(Simulation) import Audio
import Controls
import Foundation
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
import Synchronization
import Testing

@Suite("Command tags and the toddler lock")
struct CommandTagTests {
    let sleepTag = TagID("04000000000001")!
    let capTag = TagID("04000000000002")!
    let stopTag = TagID("04000000000003")!
    let lockTag = TagID("04000000000004")!
    let offTag = TagID("04000000000005")!

    @Test("a command tag does its command when tapped, not a playlist; a lift does nothing; removed, it is unknown again")
    func commands() async throws {
        var songs: PlaylistDetail!
        let harness = try StateHarness { songs = try StateHarness.seedPlaylist($0, title: "Songs", durations: [600_000, 600_000]) }
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        for (tag, command) in [(sleepTag, TagCommand(action: .sleep, minutes: 15)), (capTag, TagCommand(action: .volumeCap, volume: 35)),
                               (stopTag, TagCommand(action: .stop)), (lockTag, TagCommand(action: .toddlerLock))] {
            _ = try await manager.perform(LinkCommandTag(tag: tag, command: command))
        }
        #expect(try await manager.listCommandTags().map(\.tagID) == [sleepTag, capTag, stopTag, lockTag])
        _ = try await manager.perform(PlayPlaylist(playlistID: songs.summary.id))
        _ = try await manager.perform(SetVolume(volume: 80))

        let slept = await manager.tag(.placed(sleepTag))
        #expect(slept.action == .command && slept.command == "sleep")
        var state = await manager.playerState
        #expect(state.sleepTimerMode == "minutes" && state.sleepTimerEndsAt != nil && state.status == .playing)
        #expect(await manager.tag(.removed(sleepTag)).action == .none)
        #expect(await manager.playerState.status == .playing)

        #expect(await manager.tag(.placed(capTag)).command == "volume_cap")
        #expect(try await manager.settings().maxVolume == 35)
        #expect(await manager.playerState.volume == 35)

        #expect(await manager.tag(.placed(lockTag)).command == "toddler_lock")
        #expect(await manager.playerState.toddlerLock)
        #expect(await !manager.buttonAllowed(.playPause))
        #expect(await manager.buttonAllowed(.toddlerLock))
        _ = await manager.tag(.placed(lockTag))
        #expect(await !manager.playerState.toddlerLock)
        #expect(await manager.buttonAllowed(.playPause))

        #expect(await manager.tag(.placed(stopTag)).command == "stop")
        state = await manager.playerState
        #expect(state.status == .stopped)
        // Each said so with a sound; a command refused says so with the error sound.
        #expect(harness.engine.playedCues.map(\.cue).filter { $0 == .tagLinked }.count == 5)

        _ = try await manager.perform(UnlinkCommandTag(tag: stopTag))
        #expect(await manager.tag(.placed(stopTag)).action == .unknown)
        await #expect(throws: BoxError.self) { try await manager.perform(UnlinkCommandTag(tag: stopTag)) }
    }

    @Test("a tag is a playlist's or a command's: moving it either way needs force")
    func oneOrTheOther() async throws {
        var songs: PlaylistDetail!
        let harness = try StateHarness { songs = try StateHarness.seedPlaylist($0, title: "Songs", durations: [60_000]) }
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        _ = try await manager.perform(LinkTag(tag: stopTag, playlistID: songs.summary.id))
        do {
            _ = try await manager.perform(LinkCommandTag(tag: stopTag, command: TagCommand(action: .stop)))
            Issue.record("a playlist's tag became a command tag without force")
        } catch {
            #expect(error.code == .conflict && error.details["conflict_playlist_id"] == songs.summary.id.description)
        }
        _ = try await manager.perform(LinkCommandTag(tag: stopTag, command: TagCommand(action: .stop), force: true))
        #expect(try harness.store.loadLibrary().first { $0.summary.id == songs.summary.id }?.summary.nfcTagID == nil)
        do {
            _ = try await manager.perform(LinkTag(tag: stopTag, playlistID: songs.summary.id))
            Issue.record("a command tag went to a playlist without force")
        } catch {
            #expect(error.code == .conflict && error.details["conflict_command"] == "stop")
        }
        _ = try await manager.perform(LinkTag(tag: stopTag, playlistID: songs.summary.id, force: true))
        #expect(try await manager.listCommandTags().isEmpty)
        #expect(await manager.tag(.placed(stopTag)).action == .started)
    }

    @Test("commands are checked: sleep needs minutes, a cap a volume; an unknown action is refused")
    func checked() throws {
        #expect(try TagCommand.checked(action: "sleep", minutes: 30, volume: 5) == TagCommand(action: .sleep, minutes: 30))
        #expect(try TagCommand.checked(action: "stop", minutes: 30, volume: nil) == TagCommand(action: .stop))
        for (action, minutes, volume, field) in [("sleep", nil, nil, "minutes"), ("sleep", 721, nil, "minutes"), ("volume_cap", nil, nil, "volume"),
                                                  ("volume_cap", nil, 101, "volume"), ("explode", nil, nil, "action")] as [(String, Int?, Int?, String)] {
            do {
                _ = try TagCommand.checked(action: action, minutes: minutes, volume: volume)
                Issue.record("\(action) was taken")
            } catch {
                #expect(error.details["field"] == field)
            }
        }
    }

    @Test("a shutdown tag asks the power-off path; without one, the error sound")
    func shutdown() async throws {
        let harness = try StateHarness()
        defer { harness.manager.shutdown() }
        let manager = harness.manager
        _ = try await manager.perform(LinkCommandTag(tag: offTag, command: TagCommand(action: .shutdown)))
        #expect(await manager.tag(.placed(offTag)).action == .none)
        #expect(harness.engine.playedCues.last?.cue == .error)
        let asked = Mutex(0)
        manager.setPowerOff { asked.withLock { $0 += 1 } }
        #expect(await manager.tag(.placed(offTag)).command == "shutdown")
        try await waitFor { asked.withLock { $0 } == 1 }
    }

    @Test("the lock holds every button, or all but volume down; the lock's own gesture always goes through; it outlives a restart")
    func lock() async throws {
        let harness = try StateHarness()
        let manager = harness.manager
        #expect(ToddlerLock.allows(.next, locked: false, mode: .all))
        for action in ControlAction.allCases where action != .toddlerLock {
            #expect(!ToddlerLock.allows(action, locked: true, mode: .all), "\(action)")
            #expect(ToddlerLock.allows(action, locked: true, mode: .allButVolumeDown) == (action == .volumeDown), "\(action)")
        }
        #expect(ToddlerLock.allows(.toddlerLock, locked: true, mode: .all))
        _ = try await manager.perform(UpdateSettings(toddlerLockMode: "all_but_volume_down"))
        await #expect(throws: BoxError.self) { try await manager.perform(UpdateSettings(toddlerLockMode: "some")) }
        #expect(try await manager.perform(SetToddlerLock(locked: true)).value.toddlerLock)
        #expect(await manager.buttonAllowed(.volumeDown))
        #expect(await !manager.buttonAllowed(.volumeUp))
        manager.shutdown()
        let again = try StateManager(store: harness.store, engine: SimulatedPlaybackEngine(), publisher: EventRecorder())
        defer { again.shutdown() }
        #expect(await again.playerState.toddlerLock)
        #expect(await !again.buttonAllowed(.playPause))
        #expect(await again.buttonAllowed(.volumeDown))
    }

    @Test("two buttons held together for 3 s: the lock's gesture, once per hold; one button, or a shorter hold, is not")
    func chord() {
        var chord = ButtonChord()
        let start = ContinuousClock.now
        func at(_ ms: Int) -> ContinuousClock.Instant { start + .milliseconds(ms) }
        #expect(chord.update(pressed: [true, false, false], at: at(0)).isEmpty)
        #expect(chord.update(pressed: [true, false, false], at: at(5000)).isEmpty)
        #expect(chord.update(pressed: [true, true, false], at: at(5000)).isEmpty)
        #expect(chord.nextDeadline == at(8000))
        #expect(chord.update(pressed: [true, true, false], at: at(7900)).isEmpty)
        #expect(chord.update(pressed: [true, true, false], at: at(8000)) == [.toddlerLock])
        #expect(chord.update(pressed: [true, true, true], at: at(12000)).isEmpty)  // once per hold
        #expect(chord.update(pressed: [true, false, false], at: at(12100)).isEmpty)
        #expect(chord.update(pressed: [true, true, false], at: at(12200)).isEmpty)  // not all let go yet
        #expect(chord.update(pressed: [true, true, false], at: at(16000)).isEmpty)
        #expect(chord.update(pressed: [false, false, false], at: at(16100)).isEmpty)
        #expect(chord.update(pressed: [false, true, true], at: at(17000)).isEmpty)
        #expect(chord.update(pressed: [false, true, false], at: at(19000)).isEmpty)  // let go before 3 s
        #expect(chord.update(pressed: [false, true, true], at: at(19100)).isEmpty)
        #expect(chord.update(pressed: [false, true, true], at: at(22100)) == [.toddlerLock])
    }
}
