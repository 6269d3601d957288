import Foundation
import Logging
import MusicBoxCore

/// The decoder thread: takes a job from the control, decodes its track into the queue and then,
/// gaplessly, whatever the manager said follows, until the generation changes. It waits on the
/// control's condition for a job and for the next track; the queue's bound makes it wait for room.
struct DecoderWorker: Sendable {
    let control: EngineControl
    let format: PCMFormat
    let resolve: ALSAPlaybackEngine.FileResolver
    let streamLimits: StreamConnection.Limits
    let streamRetry: StreamRetry.Policy
    let logger: Logger

    func run() {
        while case .decode(let job) = control.waitForJob() {
            decode(job)
        }
    }

    private func decode(_ job: DecoderJob) {
        let queue = control.queue
        var item = job.item
        var start = job.fromMs
        var instance = 0
        let stale = { control.isStale(job.generation) }
        while !stale() {
            instance += 1
            let key = TrackKey(id: item.track.id, generation: job.generation, instance: instance)
            if case .stream(let url) = item.track.source {
                // A live stream does not end by itself: it plays until the generation does, or fails.
                return play(stream: url, key: key, generation: job.generation)
            }
            do throws(BoxError) {
                guard let path = resolve(item.track.id) else {
                    throw BoxError(.notFound, "The file of track \(item.track.id) is missing.", details: ["track_id": item.track.id.description])
                }
                let decoder = try AudioFileDecoder(path: path, output: format)
                if start > 0 { try decoder.seek(toMs: start) }
                var frame = format.frames(forMilliseconds: start)
                while let samples = try decoder.nextChunk() {
                    guard queue.push(.samples(track: key, startFrame: frame, samples: samples), isStale: stale) else { return }
                    frame += Int64(samples.count / format.channels)
                }
                // Gapless: go on with what the manager says follows, in the same generation.
                guard case .known(let successor) = control.waitForNext(after: item.track.id, generation: job.generation),
                      queue.push(.endOfTrack(key, next: successor), isStale: stale),
                      let successor
                else { return }
                item = successor
                start = 0
            } catch {
                logger.warning("cannot play track \(item.track.id): \(error.message)")
                _ = queue.push(.failure(key, error), isStale: stale)
                return
            }
        }
    }
}
