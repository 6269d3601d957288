import MusicBoxCore

/// Which output frames belong to which track, and how many of them have been heard: the position
/// is what was heard (frames written minus the device's delay), per track segment, and a track
/// is finished when its last frame has been heard. Pure: the output worker records what it wrote
/// and measured, the engine asks; time is passed in.
struct PositionLedger {
    /// A stretch of the output that belongs to one track.
    struct Segment: Equatable {
        var track: TrackKey
        /// The output frame counter when its first frame was written.
        var outputStart: Int64
        /// Where in the track that first frame was.
        var trackStartFrame: Int64
        /// The output frame counter after its last frame, once known.
        var outputEnd: Int64?
        /// What the decoder went on with after it (`nil`: nothing, or not known yet).
        var successor: PlaybackItem?
    }

    let sampleRate: Int
    /// Segments not yet heard to their end, oldest first.
    private(set) var segments: [Segment] = []
    /// Frames heard when last measured, when that was, and frames written by then.
    private(set) var playedFrames: Int64 = 0
    private(set) var writtenFrames: Int64 = 0
    private(set) var measuredAt: ContinuousClock.Instant

    init(sampleRate: Int, now: ContinuousClock.Instant) {
        self.sampleRate = sampleRate
        measuredAt = now
    }

    /// A new generation: the device's contents were dropped, the output counter starts again.
    mutating func reset() {
        segments = []
        playedFrames = 0
        writtenFrames = 0
    }

    /// Frames of `track` starting at `trackStartFrame` are about to be written at `outputStart`.
    mutating func begin(_ track: TrackKey, outputStart: Int64, trackStartFrame: Int64) {
        guard segments.last?.track != track else { return }
        segments.append(Segment(track: track, outputStart: outputStart, trackStartFrame: trackStartFrame))
    }

    /// The last frame of `track` was written before `outputEnd`; `successor` follows it.
    mutating func end(_ track: TrackKey, outputEnd: Int64, successor: PlaybackItem?) {
        guard let index = segments.lastIndex(where: { $0.track == track }) else { return }
        segments[index].outputEnd = outputEnd
        segments[index].successor = successor
    }

    /// Frames heard by `now`: between measurements (one per write, up to a chunk apart) the
    /// device keeps playing at its rate, but never beyond what was written.
    func heardFrames(at now: ContinuousClock.Instant) -> Int64 {
        guard playedFrames > 0 else { return 0 }
        let elapsed = now - measuredAt
        let frames = Int64(Double(elapsed.components.seconds) * Double(sampleRate)
            + Double(elapsed.components.attoseconds) / 1e18 * Double(sampleRate))
        return min(writtenFrames, playedFrames + max(0, frames))
    }

    /// Frames into `track` heard by `now`, `nil` while none of its frames of `generation` has been.
    func trackFrames(of track: TrackID, generation: UInt64, at now: ContinuousClock.Instant) -> Int64? {
        let heard = heardFrames(at: now)
        guard let segment = segments.last(where: {
            $0.track.generation == generation && $0.outputStart <= heard && $0.track.id == track
        }) else { return nil }
        return segment.trackStartFrame + (heard - segment.outputStart)
    }

    /// Records a measurement and returns the segments heard to their end since the last one,
    /// oldest first (each once: they leave the ledger).
    mutating func measure(played: Int64, written: Int64, at now: ContinuousClock.Instant) -> [Segment] {
        playedFrames = played
        writtenFrames = written
        measuredAt = now
        var finished: [Segment] = []
        while let first = segments.first, let end = first.outputEnd, end <= played {
            finished.append(segments.removeFirst())
        }
        return finished
    }

    /// Frames still to be heard, as last measured, before the next known end of a segment
    /// (`nil`: none is known).
    var framesUntilNextEnd: Int64? {
        guard let end = segments.first?.outputEnd else { return nil }
        return max(0, end - playedFrames)
    }
}
