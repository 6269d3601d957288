import CFFmpeg
import Foundation
import Synchronization
import MusicBoxCore

/// Opens a stream once, on a thread of its own, to learn whether it is audio this box plays and
/// what the station calls itself (``StreamFacts``). At most ``concurrentProbes`` at a time: each
/// may hold a thread for the whole open timeout.
public enum StreamProbe {
    public static let concurrentProbes = 4
    private static let running = Mutex(0)

    public static func prober(limits: StreamConnection.Limits) -> StreamProber {
        { url throws(BoxError) in try await probe(url, limits: limits) }
    }

    public static func probe(_ url: String, limits: StreamConnection.Limits) async throws(BoxError) -> StreamFacts {
        let admitted = running.withLock { count in
            guard count < concurrentProbes else { return false }
            count += 1
            return true
        }
        guard admitted else {
            throw BoxError(.rateLimited, "The box is already checking \(concurrentProbes) streams; try again in a few seconds.",
                           details: ["retry_after": "5"])
        }
        defer { running.withLock { $0 -= 1 } }
        let result: Result<StreamFacts, BoxError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                let connection = StreamConnection(limits: limits) { true }
                do throws(BoxError) {
                    let decoder = try AudioFileDecoder(stream: url, output: .standard, connection: connection)
                    // One chunk decoded: it is not only a container that opens, it plays.
                    _ = try decoder.nextChunk()
                    let metadata = decoder.streamMetadata
                    continuation.resume(returning: .success(StreamFacts(
                        stationName: metadata.headers.flatMap(ICYMetadata.stationName), codec: decoder.codecName
                    )))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = "musicboxd.stream.probe"
            thread.start()
        }
        return try result.get()
    }
}
