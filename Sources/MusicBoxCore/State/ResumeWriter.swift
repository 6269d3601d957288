import Dispatch
import Logging
import Synchronization

/// What the state manager decided about where a playlist was left.
public enum ResumeDecision: Sendable, Equatable {
    case save(ResumePoint)
    /// Played to its end: it starts over next time.
    case clear(PlaylistID)

    public var playlistID: PlaylistID {
        switch self {
        case .save(let point): point.playlistID
        case .clear(let id): id
        }
    }

    /// The point a tap would resume from (`nil`: start over).
    public var point: ResumePoint? {
        if case .save(let point) = self { return point }
        return nil
    }
}

/// Writes resume points behind the state manager, on a queue of its own, so a pause is published
/// before its position reaches the disk and no command waits for that fsync (an SD card's fsync
/// takes 10–500 ms under load).
///
/// The manager decides, in its order; this only persists. Decisions for one playlist coalesce
/// (the latest wins); whatever piled up while a write was committing goes in the next one, one
/// transaction and one fsync for the lot. A power cut loses what was still queued: at most one
/// write's worth, well inside the 10 s of listening the periodic saves allow.
final class ResumeWriter: Sendable {
    private struct Queue {
        var decisions: [PlaylistID: ResumeDecision] = [:]
        var order: [PlaylistID] = []
        /// Podcast episodes' places, the latest per episode.
        var episodes: [TrackID: EpisodeProgress] = [:]
        /// Today's listening (``DailyLimit``), the latest.
        var listening: (day: ListeningDay, at: EpochMillis)?
        var scheduled = false
    }

    private let store: any LibraryStore
    private let logger: Logger
    private let pending = Mutex(Queue())
    private let queue = DispatchQueue(label: "musicboxd.resume", qos: .utility)

    init(store: any LibraryStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Queues `decision`; returns at once.
    func submit(_ decision: ResumeDecision) {
        let schedule = pending.withLock { queue -> Bool in
            if queue.decisions.updateValue(decision, forKey: decision.playlistID) == nil { queue.order.append(decision.playlistID) }
            defer { queue.scheduled = true }
            return !queue.scheduled
        }
        if schedule { queue.async { self.drain() } }
    }

    /// Queues an episode's place; returns at once.
    func submit(_ progress: EpisodeProgress) {
        let schedule = pending.withLock { queue -> Bool in
            queue.episodes[progress.trackID] = progress
            defer { queue.scheduled = true }
            return !queue.scheduled
        }
        if schedule { queue.async { self.drain() } }
    }

    /// Queues today's listening count; returns at once.
    func submit(_ day: ListeningDay, at now: EpochMillis) {
        let schedule = pending.withLock { queue -> Bool in
            queue.listening = (day, now)
            defer { queue.scheduled = true }
            return !queue.scheduled
        }
        if schedule { queue.async { self.drain() } }
    }

    /// Waits until everything submitted before the call is on disk (at shutdown, in tests).
    func flush() { queue.sync {} }

    private func drain() {
        let (batch, episodes, listening) = pending.withLock { queue -> ([ResumeDecision], [EpisodeProgress], (day: ListeningDay, at: EpochMillis)?) in
            defer { queue = Queue() }
            return (queue.order.compactMap { queue.decisions[$0] }, Array(queue.episodes.values), queue.listening)
        }
        guard !batch.isEmpty || !episodes.isEmpty || listening != nil else { return }
        do {
            try store.write { transaction in
                for decision in batch {
                    switch decision {
                    case .save(let point): try transaction.saveResumePoint(point)
                    case .clear(let playlist): try transaction.clearResumePoint(for: playlist)
                    }
                }
                for progress in episodes { try transaction.saveEpisodeProgress(progress) }
                if let listening { try transaction.setSetting(BoxSettings.listeningToday, to: listening.day, now: listening.at) }
            }
        } catch {
            // The music goes on; the worst case is a resume from an older point.
            logger.error("saving where \(batch.count) playlist(s) were left failed: \(error)")
        }
    }
}
