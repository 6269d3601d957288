import Foundation
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
@_spi(Simulation) import NFC
import Synchronization
import Testing

@Suite("Tag presence")
struct TagPresenceTests {
    let a = TagID("04a1b2c3d4e5f6")!
    let b = TagID("8e2f4a19")!
    let start = ContinuousClock.now

    func at(_ ms: Int) -> ContinuousClock.Instant { start + .milliseconds(ms) }

    @Test("a tag lying on the reader is placed once, however many polls see it")
    func placedOnce() {
        var presence = TagPresence(grace: .seconds(1))
        #expect(presence.seen(a, at: at(0)) == [.placed(a)])
        for ms in stride(from: 100, to: 30_000, by: 100) { #expect(presence.seen(a, at: at(ms)).isEmpty) }
        #expect(presence.tag == a)
    }

    @Test("silence shorter than the grace time is no removal; longer is one removal")
    func grace() {
        var presence = TagPresence(grace: .seconds(1))
        _ = presence.seen(a, at: at(0))
        #expect(presence.absent(at: at(100)).isEmpty)
        #expect(presence.absent(at: at(900)).isEmpty)
        #expect(presence.seen(a, at: at(1000)).isEmpty)  // back within the grace: nothing happened
        #expect(presence.absent(at: at(2000)).isEmpty)
        #expect(presence.tick(at: at(2999)).isEmpty)
        #expect(presence.tick(at: at(3000)) == [.removed(a)])
        #expect(presence.tick(at: at(5000)).isEmpty)
        #expect(presence.tag == nil)
        #expect(presence.seen(a, at: at(6000)) == [.placed(a)])
    }

    @Test("another tag replaces the first at once; a lost reader removes what was on it")
    func replaceAndLose() {
        var presence = TagPresence(grace: .seconds(1))
        _ = presence.seen(a, at: at(0))
        _ = presence.absent(at: at(100))
        #expect(presence.seen(b, at: at(200)) == [.removed(a), .placed(b)])
        #expect(presence.readerLost() == [.removed(b)])
        #expect(presence.readerLost().isEmpty)
    }
}

@Suite("Tags through the state manager")
struct TagCommandTests {
    let tag = TagID("04a1b2c3d4e5f6")!
    let other = TagID("8e2f4a19")!

    func makeHarness(
        _ options: StateManager.Options = StateManager.Options(), clock: SteeredClock = SteeredClock()
    ) throws -> (StateHarness, PlaylistDetail, PlaylistDetail) {
        var first: PlaylistDetail!, second: PlaylistDetail!
        let harness = try StateHarness(options: options, clock: clock.wall) { store in
            first = try StateHarness.seedPlaylist(store, title: "Lullabies", durations: [60_000, 60_000])
            second = try StateHarness.seedPlaylist(store, title: "Stories", durations: [60_000])
        }
        return (harness, first, second)
    }

    @Test("an unknown tag plays nothing and is announced for linking")
    func unknown() async throws {
        let (harness, _, _) = try makeHarness()
        let outcome = await harness.manager.tag(.placed(tag))
        #expect(outcome.action == .unknown && outcome.playlistID == nil)
        #expect(await harness.manager.playerState.status == .stopped)
        let announced = harness.recorder.all.filter { $0.type == .tag }
        #expect(announced.count == 1 && announced[0].rooms.contains(.nfc))
    }

    @Test("tap plays, lift pauses and remembers, tap again continues; a second tap changes nothing")
    func tapLiftTap() async throws {
        let (harness, first, _) = try makeHarness()
        let manager = harness.manager
        _ = try await manager.perform(LinkTag(tag: tag, playlistID: first.summary.id))
        #expect(await manager.tag(.placed(tag)).action == .started)
        #expect(await manager.playerState.activePlaylistID == first.summary.id)
        #expect(await manager.tag(.placed(tag)).action == .continued)
        _ = try await manager.perform(Seek(positionMs: 20_000))
        #expect(await manager.tag(.removed(tag)).action == .paused)
        let paused = await manager.playerState
        #expect(paused.status == .paused)
        manager.flushResumePoints()  // written behind the pause
        let saved = try harness.store.resumePoint(for: first.summary.id)
        #expect(saved?.trackID == first.tracks[0].id && saved!.positionMs >= 20_000 && saved!.positionMs < 21_000)
        #expect(await manager.tag(.placed(tag)).action == .resumed)
        let resumed = await manager.playerState
        #expect(resumed.status == .playing && resumed.positionMs >= paused.positionMs && resumed.positionMs < paused.positionMs + 500)
    }

    @Test("switching tags keeps each playlist's place; a fresh point resumes, a stale one starts over")
    func switchAndStartOver() async throws {
        let clock = SteeredClock()
        let (harness, first, second) = try makeHarness(clock: clock)
        let manager = harness.manager
        _ = try await manager.perform(LinkTag(tag: tag, playlistID: first.summary.id))
        _ = try await manager.perform(LinkTag(tag: other, playlistID: second.summary.id))
        _ = await manager.tag(.placed(tag))
        _ = try await manager.perform(NextTrack())
        _ = try await manager.perform(Seek(positionMs: 30_000))
        #expect(await manager.tag(.placed(other)).action == .started)
        manager.flushResumePoints()
        let kept = try #require(try harness.store.resumePoint(for: first.summary.id))
        #expect(kept.trackID == first.tracks[1].id && kept.positionMs >= 30_000)
        let back = await manager.tag(.placed(tag))
        #expect(back.action == .resumed)
        let state = await manager.playerState
        #expect(state.activeTrack?.id == first.tracks[1].id && state.positionMs >= 30_000)

        // Stories was left when Lullabies came back; a day and an hour later its point is stale: start over.
        clock.advance(25 * 3600)
        #expect(await manager.tag(.placed(other)).action == .started)
        #expect(await manager.playerState.positionMs < 1000)
    }

    @Test("a playlist that played to its end starts over next time")
    func naturalEndForgets() async throws {
        let (harness, first, _) = try makeHarness()
        let manager = harness.manager
        _ = try await manager.perform(LinkTag(tag: tag, playlistID: first.summary.id))
        _ = await manager.tag(.placed(tag))
        _ = try await manager.perform(Pause())
        manager.flushResumePoints()
        #expect(try harness.store.resumePoint(for: first.summary.id) != nil)
        _ = try await manager.perform(Play())
        _ = try await manager.perform(TrackFinished(trackID: first.tracks[0].id))
        _ = try await manager.perform(TrackFinished(trackID: first.tracks[1].id))
        #expect(await manager.playerState.status == .stopped)
        manager.flushResumePoints()
        #expect(try harness.store.resumePoint(for: first.summary.id) == nil)
    }

    @Test("with the setting tag_removal = keep_playing, lifting the tag changes nothing")
    func keepPlaying() async throws {
        let (harness, first, _) = try makeHarness()
        let settings = try await harness.manager.perform(UpdateSettings(tagRemoval: "keep_playing")).value
        #expect(settings.tagRemoval == .keepPlaying && settings.startOverAfterHours == 24)
        await #expect(throws: BoxError.self) { try await harness.manager.perform(UpdateSettings(tagRemoval: "explode")) }
        _ = try await harness.manager.perform(LinkTag(tag: tag, playlistID: first.summary.id))
        _ = await harness.manager.tag(.placed(tag))
        #expect(await harness.manager.tag(.removed(tag)).action == .none)
        #expect(await harness.manager.playerState.status == .playing)
    }

    @Test("tag_again: a second tap (or putting the tag back) goes on, starts the playlist over, or plays the next track, as parents chose")
    func sameTagAgain() async throws {
        let (harness, first, _) = try makeHarness()
        let manager = harness.manager
        _ = try await manager.perform(LinkTag(tag: tag, playlistID: first.summary.id))
        await #expect(throws: BoxError.self) { try await manager.perform(UpdateSettings(tagAgain: "shuffle")) }
        #expect(try await manager.settings().tagAgain == .continue)

        #expect(try await manager.perform(UpdateSettings(tagAgain: "next")).value.tagAgain == .next)
        #expect(await manager.tag(.placed(tag)).action == .started)
        #expect(await manager.tag(.placed(tag)).action == .skipped)
        let skipped = await manager.playerState
        #expect(skipped.trackIndex == 1 && skipped.status == .playing)
        // At the last track there is no next: it goes on.
        #expect(await manager.tag(.placed(tag)).action == .continued)
        // A lift pauses; putting it back is a tap again too: the next track (here: none, so it continues).
        #expect(await manager.tag(.removed(tag)).action == .paused)
        #expect(await manager.tag(.placed(tag)).action == .resumed)

        _ = try await manager.perform(UpdateSettings(tagAgain: "restart"))
        _ = try await manager.perform(Seek(positionMs: 30_000))
        #expect(await manager.tag(.placed(tag)).action == .started)
        let restarted = await manager.playerState
        #expect(restarted.trackIndex == 0 && restarted.positionMs < 1000 && restarted.status == .playing)
        #expect(await manager.tag(.removed(tag)).action == .paused)
        #expect(await manager.tag(.placed(tag)).action == .started)
        #expect(await manager.playerState.status == .playing)
    }

    @Test("the simulated reader reports placements and removals as the dev endpoints make them")
    func simulatedReader() {
        let reader = SimulatedTagReader()
        let events = EventBox()
        reader.setEventHandler { events.append($0) }
        reader.place(tag)
        reader.place(tag)
        reader.place(other)
        reader.remove()
        #expect(events.all == [.placed(tag), .removed(tag), .placed(other), .removed(other)])
        #expect(reader.currentTag == nil && reader.health == .simulated)
    }
}

final class EventBox: Sendable {
    private let events = Mutex<[TagEvent]>([])
    func append(_ event: TagEvent) { events.withLock { $0.append(event) } }
    var all: [TagEvent] { events.withLock { $0 } }
}
