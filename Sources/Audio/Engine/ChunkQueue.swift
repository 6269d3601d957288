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
/// at once (stop, seek, a new track).
final class ChunkQueue: @unchecked Sendable {
    // @unchecked: every stored property is guarded by `condition`.
    private let condition = NSCondition()
    private var chunks: [AudioChunk] = []
    private var frames = 0
    private var closed = false
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

    /// Takes the oldest chunk, waiting up to `timeout`; `nil` when none came (or closed).
    func pop(timeout: TimeInterval) -> AudioChunk? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while chunks.isEmpty, !closed {
            if !condition.wait(until: deadline) { return nil }
        }
        guard !chunks.isEmpty else { return nil }
        let chunk = chunks.removeFirst()
        if case .samples(_, _, let samples) = chunk { frames -= samples.count / channels }
        condition.broadcast()
        return chunk
    }

    func clear() {
        condition.lock()
        chunks.removeAll()
        frames = 0
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
