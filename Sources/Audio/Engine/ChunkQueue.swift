import Foundation
import MusicBoxCore

/// What travels from the decoder thread to the output thread.
enum AudioChunk: Sendable {
    /// Decoded frames of a track; `startFrame` is where they begin within the track.
    case samples(track: TrackKey, startFrame: Int64, samples: [Int16])
    /// The track has no more frames; `next` follows it without a gap (or nothing does).
    case endOfTrack(TrackKey, next: PlaybackItem?)
    /// The track could not be opened or decoded.
    case failure(TrackKey, BoxError)
    /// A live stream's title from here on (timed metadata: said when the audio after it is heard).
    case streamTitle(TrackKey, String?)

    var generation: UInt64 {
        switch self {
        case .samples(let track, _, _), .endOfTrack(let track, _), .failure(let track, _), .streamTitle(let track, _): track.generation
        }
    }

    var frameCount: Int {
        if case .samples(_, _, let samples) = self { samples.count }
        else { 0 }
    }
}

/// One playing of a track as the engine's threads know it. `generation` tells chunks of an
/// abandoned load or seek from the current ones.
struct TrackKey: Sendable, Equatable {
    var id: TrackID
    var generation: UInt64
    /// Counts the tracks decoded in one generation (a repeated track is a new instance).
    var instance: Int
}

/// The bounded buffer between decoder and output (Music Player Daemon's music pipe): the decoder
/// blocks when it holds `capacityFrames`, the output blocks when it is empty. `clear` empties it
/// of what an older generation left (stop, seek, a new track); `interrupt` wakes the output when something else needs it
/// (a cue, a volume, a pause), so it never polls.
final class ChunkQueue: @unchecked Sendable {
    // @unchecked: every stored property is guarded by `condition`.
    private let condition = NSCondition()
    private var chunks: [AudioChunk] = []
    private var frames = 0
    private var closed = false
    /// Set by ``interrupt()``: the next (or current) wait of the output returns at once.
    private var interrupted = false
    let capacityFrames: Int
    let channels: Int

    init(capacityFrames: Int, channels: Int) {
        self.capacityFrames = capacityFrames
        self.channels = channels
    }

    /// Adds a chunk, waiting for room; false when the queue was closed or `isStale` says the
    /// chunk is no longer wanted (checked again after each wait).
    func push(_ chunk: AudioChunk, isStale: () -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !closed, frames >= capacityFrames, !isStale() { condition.wait() }
        guard !closed, !isStale() else { return false }
        chunks.append(chunk)
        if case .samples(_, _, let samples) = chunk { frames += samples.count / channels }
        condition.broadcast()
        return true
    }

    /// Takes the oldest chunk, waiting until one comes, ``interrupt()``, ``close()`` or
    /// `deadline` (`nil`: no deadline); `nil` when none came.
    func pop(until deadline: ContinuousClock.Instant?) -> AudioChunk? {
        condition.lock()
        defer { condition.unlock() }
        guard wait(until: deadline, while: { $0.chunks.isEmpty }) else { return nil }
        let chunk = chunks.removeFirst()
        if case .samples(_, _, let samples) = chunk { frames -= samples.count / channels }
        condition.broadcast()
        return chunk
    }

    /// Waits without taking anything, until ``interrupt()``, ``close()`` or `deadline`.
    func pause(until deadline: ContinuousClock.Instant) {
        condition.lock()
        defer { condition.unlock() }
        _ = wait(until: deadline, while: { _ in true })
    }

    /// Wakes the output from its wait (or makes its next wait return at once).
    func interrupt() {
        condition.lock()
        interrupted = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits with the lock held while `blocked`; false when it stopped for a deadline, an
    /// interrupt or the close rather than because `blocked` ended.
    private func wait(until deadline: ContinuousClock.Instant?, while blocked: (ChunkQueue) -> Bool) -> Bool {
        while blocked(self) {
            if closed || interrupted {
                interrupted = false
                return false
            }
            if let deadline {
                let left = deadline - .now
                guard left > .zero else { return false }
                let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
                _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
            } else {
                condition.wait()
            }
        }
        return true
    }

    /// Drops every chunk of a generation before `generation` (a load, seek, pause or stop made
    /// them unwanted). Chunks of `generation` itself stay, so it does not matter whether the
    /// decoder of the new generation got here first.
    func clear(before generation: UInt64) {
        condition.lock()
        chunks.removeAll { $0.generation < generation }
        frames = chunks.reduce(0) { $0 + $1.frameCount / channels }
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
