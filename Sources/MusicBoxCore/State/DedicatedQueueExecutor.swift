import Dispatch

/// A serial executor backed by its own dispatch queue.
///
/// The state manager runs on one of these so that its synchronous SQLite commits
/// block neither Swift's small cooperative pool nor the NIO event loops,
/// and so that, with no suspension inside a command, commands run strictly one after another.
public final class DedicatedQueueExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked: the only stored property is an immutable, thread-safe DispatchQueue.
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    /// Crashes when not called from this executor's queue (debugging aid).
    public func assertOnQueue() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
