import Foundation
import MusicBoxCore

/// The control object between the caller and the engine's two workers (Music Player Daemon's
/// `PlayerControl`): it owns ``EngineState`` under one lock, takes commands, and lets the decoder
/// wait for work on a condition (no sleep loops: every change wakes it, and nothing else does).
final class EngineControl: @unchecked Sendable {
    // @unchecked: `state` and `report` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var state: EngineState
    private var report: (@Sendable (PlaybackReport) -> Void)?
    /// The bounded pipe from decoder to output.
    let queue: ChunkQueue

    init(state: EngineState, queue: ChunkQueue) {
        self.state = state
        self.queue = queue
    }

    /// Runs a command; the threads learn of it at once.
    func send(_ command: EngineCommand) {
        let (effects, generation) = change { state in (state.apply(command, now: .now), state.generation) }
        if effects.contains(.flushQueue) { queue.clear(before: generation) }
        if effects.contains(.wakeOutput) { queue.interrupt() }
        if effects.contains(.close) { queue.close() }
    }

    /// Reads the state without waking anyone.
    func read<Result>(_ body: (EngineState) -> Result) -> Result {
        condition.lock()
        defer { condition.unlock() }
        return body(state)
    }

    /// Changes the state; `wakingDecoder` when the change is one the decoder waits for (a job,
    /// the next track, a new generation), which only commands make.
    @discardableResult
    func change<Result>(wakingDecoder: Bool = true, _ body: (inout EngineState) -> Result) -> Result {
        condition.lock()
        defer {
            if wakingDecoder { condition.broadcast() }
            condition.unlock()
        }
        return body(&state)
    }

    // MARK: Reports

    func setReportHandler(_ handler: @escaping @Sendable (PlaybackReport) -> Void) {
        condition.lock()
        report = handler
        condition.unlock()
    }

    /// Hands a report to the manager, from the calling worker's thread (never under the lock).
    func send(_ report: PlaybackReport) {
        condition.lock()
        let handler = self.report
        condition.unlock()
        handler?(report)
    }

    // MARK: The decoder waits here

    /// The next job, waiting as long as there is none; `.exit` once shut down.
    func waitForJob() -> EngineState.DecoderTask {
        condition.lock()
        defer { condition.unlock() }
        while true {
            let task = state.takeJob()
            guard task == .idle else { return task }
            condition.wait()
        }
    }

    /// What follows `track`, once the manager has said (it does right after loading a track);
    /// `.abandoned` when the generation ended meanwhile.
    func waitForNext(after track: TrackID, generation: UInt64) -> EngineState.NextAnswer {
        condition.lock()
        defer { condition.unlock() }
        while true {
            let answer = state.next(after: track, generation: generation)
            guard answer == .unknown else { return answer }
            condition.wait()
        }
    }

    func isStale(_ generation: UInt64) -> Bool { read { $0.isStale(generation) } }

    /// Waits until `deadline`, or less when the generation ends meanwhile; `true` when it ended.
    func waitWhileCurrent(_ generation: UInt64, until deadline: ContinuousClock.Instant) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !state.isStale(generation) {
            let left = deadline - .now
            guard left > .zero else { return false }
            let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
            _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
        }
        return true
    }
}
