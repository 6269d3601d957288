import MusicBoxCore
import NIOPosix

/// Runs blocking file work (writes, `fsync`, hashing, probing) on NIO's thread pool, never on an
/// event loop or the state manager's thread.
public struct BlockingIO: Sendable {
    private let pool: NIOThreadPool

    public init(pool: NIOThreadPool = .singleton) {
        self.pool = pool
    }

    public func run<Value: Sendable>(_ work: @escaping @Sendable () throws(BoxError) -> Value) async throws(BoxError) -> Value {
        do {
            return try await pool.runIfActive { try work() }
        } catch let error as BoxError {
            throw error
        } catch {
            throw BoxError(.internalError, "Background file work could not run: \(error).")
        }
    }
}
