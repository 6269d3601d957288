import DequeModule
import Synchronization

/// Async jobs run one after another, in the order queued, by a task that exists only while jobs
/// wait: ordering without a resident task per idle connection or socket.
final class SerialJobQueue: Sendable {
    typealias Job = @Sendable () async -> Void

    private struct State {
        var jobs: Deque<Job> = []
        var draining = false
        var closed = false
    }

    private let state = Mutex(State())
    private let maxQueued: Int

    init(maxQueued: Int) { self.maxQueued = maxQueued }

    /// Queues a job; false when too many wait or the queue was closed.
    @discardableResult
    func enqueue(_ job: @escaping Job) -> Bool {
        let startDrainer = state.withLock { state -> Bool? in
            guard !state.closed, state.jobs.count < maxQueued else { return nil }
            state.jobs.append(job)
            if state.draining { return false }
            state.draining = true
            return true
        }
        guard let startDrainer else { return false }
        if startDrainer { Task { await self.drain() } }
        return true
    }

    /// Refuses further jobs; those already queued still run.
    func close() { state.withLock { $0.closed = true } }

    private func drain() async {
        while let job = state.withLock({ state -> Job? in
            guard !state.jobs.isEmpty else {
                state.draining = false
                return nil
            }
            return state.jobs.removeFirst()
        }) {
            await job()
        }
    }
}
