import Dispatch
import Foundation
import Synchronization

/// Sends `state:track_position` every 200 ms while something plays (CONTRACT §3), from its own
/// thread, on absolute deadlines: each tick is due exactly `interval` after the previous one was
/// *due*, not after it ran, so lateness never accumulates. A tick that is late by more than a
/// whole interval is skipped rather than sent in a burst.
///
/// Ticks are ephemeral: they carry the current `server_seq` without taking one and never enter
/// the log. The state manager tells the ticker about every player change (``update(_:serverSeq:)``);
/// when playback pauses or stops the ticker sends one final tick, under the same lock the thread
/// ticks under, so no tick can follow it.
public final class PositionTicker: Sendable {
    public static let interval: Duration = .milliseconds(200)

    private struct Feed {
        var running = true
        var playing = false
        var track: Track?
        /// Monotonic time playback last started; a new value restarts the schedule from there.
        var playStartedAt: UInt64 = 0
        var serverSeq: UInt64 = 0
    }

    private let feed = Mutex(Feed())
    private let wake = DispatchSemaphore(value: 0)
    private let engine: any PlaybackEngine
    private let publisher: any EventPublisher
    private let ids: EventIDs
    private let clock: WallClock
    private let intervalNanos: UInt64

    public init(engine: any PlaybackEngine, publisher: any EventPublisher, ids: EventIDs, clock: WallClock = .system, interval: Duration = PositionTicker.interval) {
        self.engine = engine
        self.publisher = publisher
        self.ids = ids
        self.clock = clock
        intervalNanos = UInt64(interval.components.seconds) * 1_000_000_000 + UInt64(interval.components.attoseconds / 1_000_000_000)
    }

    /// Starts the ticking thread. It sleeps while nothing plays.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "musicboxd.position"
        thread.qualityOfService = .userInteractive
        thread.start()
    }

    /// Ends the thread (at the latest one interval later).
    public func shutdown() {
        feed.withLock { $0.running = false }
        wake.signal()
    }

    /// Called by the state manager, on its executor, after a change of the player or of `server_seq`.
    func update(_ player: Player, serverSeq: UInt64) {
        feed.withLock { feed in
            feed.serverSeq = serverSeq
            let playing = player.status == .playing && player.current != nil
            if feed.playing, !playing, let track = feed.track {
                // The final tick: where playback was held (or 0 after stop), not playing.
                let position = player.current?.id == track.id ? player.positionMs : 0
                emit(track: track, position: position, playing: false, serverSeq: serverSeq)
            }
            if playing, !feed.playing || feed.track?.id != player.current?.id {
                feed.playStartedAt = Self.monotonicNanos()
            }
            let wasPlaying = feed.playing
            feed.playing = playing
            feed.track = player.current
            if playing, !wasPlaying { wake.signal() }
        }
    }

    private func run() {
        var schedule: UInt64 = 0
        var deadline: UInt64 = 0
        while true {
            let (running, playing, startedAt) = feed.withLock { ($0.running, $0.playing, $0.playStartedAt) }
            guard running else { return }
            guard playing else {
                wake.wait()
                continue
            }
            if startedAt != schedule {
                schedule = startedAt
                deadline = startedAt + intervalNanos
            }
            Self.sleep(until: deadline)
            feed.withLock { feed in
                guard feed.running, feed.playing, feed.playStartedAt == schedule, let track = feed.track else { return }
                emit(track: track, position: engine.position(), playing: true, serverSeq: feed.serverSeq)
            }
            deadline += intervalNanos
            let now = Self.monotonicNanos()
            if deadline <= now { deadline = now + intervalNanos - (now - deadline) % intervalNanos }
        }
    }

    private func emit(track: Track, position: Int64, playing: Bool, serverSeq: UInt64) {
        let data = TrackPosition(positionMs: position, trackID: track.id, isPlaying: playing, durationMs: track.durationMs)
        publisher.publish(StateEvent(
            payload: .trackPosition(data), serverSeq: serverSeq, serverEpoch: ids.epoch,
            timestamp: clock.millis, eventID: ids.next(), rooms: [.playlists]
        ))
    }

    static func monotonicNanos() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Sleeps until an absolute point of the monotonic clock (resuming after signals).
    static func sleep(until deadline: UInt64) {
        var target = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil) == EINTR {}
    }
}
