import Foundation
import Logging
import MusicBoxCore

extension DecoderWorker {
    /// Decodes a live stream into the queue until the generation ends (pause, stop, another
    /// item) or the stream is given up (``StreamRetry``): then its failure goes into the queue,
    /// and the manager, told by the output worker, announces it and plays the next item. A drop
    /// reconnects with backoff; the position runs on across reconnects. The stream's title is
    /// reported each time it changes: ICY's `StreamTitle` as it arrives (Icecast places it in the
    /// bytes without regard to the burst of older audio a listener starts with, so there is no
    /// better moment to give it), an HLS stream's timed ID3 tag through the queue, said when the
    /// audio after it is heard (it is timed: the demuxer reads segments seconds ahead).
    func play(stream url: String, key: TrackKey, generation: UInt64) {
        let queue = control.queue
        let stale = { control.isStale(generation) }
        var retry = StreamRetry(policy: streamRetry)
        var frame: Int64 = 0
        var lastPacket: [UInt8]?
        var lastTimed: [UInt8]?
        /// The listeners were told the stream dropped: tell them when audio flows again.
        var toldDropped = false
        let shown = StreamURL.shown(url)
        while !stale() {
            do throws(BoxError) {
                let connection = StreamConnection(limits: streamLimits) { !control.isStale(generation) }
                let decoder = try AudioFileDecoder(stream: url, output: format, connection: connection)
                logger.info("stream \(shown) open")
                while let samples = try decoder.nextChunk() {
                    retry.heardAudio()
                    if toldDropped {
                        toldDropped = false
                        control.send(.streamConnected(key.id, true))
                    }
                    // A timed tag read with these samples was read before their packets: it goes first.
                    if let timed = decoder.timedMetadata, timed != lastTimed {
                        lastTimed = timed
                        guard queue.push(.streamTitle(key, ID3Tag.streamTitle(timed)), isStale: stale) else { return }
                    }
                    guard queue.push(.samples(track: key, startFrame: frame, samples: samples), isStale: stale) else { return }
                    frame += Int64(samples.count / format.channels)
                    let packet = decoder.streamMetadata.packet
                    if packet != lastPacket {
                        lastPacket = packet
                        control.send(.streamTitle(key.id, packet.flatMap(ICYMetadata.streamTitle)))
                    }
                }
                throw BoxError(.streamUnavailable, "The stream ended.", details: ["url": shown, "reason": "ended"])
            } catch {
                if stale() { return }
                switch retry.failed(at: .now) {
                case .giveUp:
                    logger.warning("stream \(shown): \(error.message) Giving up.")
                    _ = queue.push(.failure(key, error), isStale: stale)
                    return
                case .retry(let at):
                    logger.notice("stream \(shown): \(error.message) Trying again.")
                    if frame > 0, !toldDropped {
                        toldDropped = true
                        control.send(.streamConnected(key.id, false))
                    }
                    if control.waitWhileCurrent(generation, until: at) { return }
                }
            }
        }
    }
}
