import Foundation
import Synchronization

/// One yt-dlp child process: started on `run`, its standard output read line by line on a thread
/// of its own (each line handed to `onLine`), its standard error kept (the last 64 KiB) for the
/// error message. `cancel()` ends it (SIGTERM, then SIGKILL after 2 s) from any thread.
final class LinkProcess: Sendable {
    enum Outcome: Sendable, Equatable {
        /// Exit 0, with what it printed of the file and its title.
        case finished(file: String?, title: String?)
        case failed(stderr: String)
        case cancelled
        case timedOut
    }

    private struct State {
        /// The child's pid while it has not been reaped (signals go to it only then: a pid
        /// reaped may be another process's by now).
        var pid: pid_t?
        var cancelled = false
        var timedOut = false
        var file: String?
        var title: String?
    }

    private let executable: String
    private let arguments: [String]
    private let onLine: @Sendable (String) -> Void
    private let onEnd: @Sendable () -> Void
    private let state = Mutex(State())

    init(executable: String, arguments: [String], onLine: @escaping @Sendable (String) -> Void, onEnd: @escaping @Sendable () -> Void = {}) {
        self.executable = executable
        self.arguments = arguments
        self.onLine = onLine
        self.onEnd = onEnd
    }

    /// No more lines will come (the process has ended).
    func finishLines() { onEnd() }

    func run(timeout: Duration) async -> Outcome {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: self.runBlocking(timeout: timeout)) }
            thread.name = "musicboxd.links.ytdlp"
            thread.start()
        }
    }

    func cancel() {
        state.withLock { $0.cancelled = true }
        stop()
    }

    /// SIGTERM now, SIGKILL 2 s later if it is still there.
    private func stop() {
        guard signal(SIGTERM) else { return }
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) { _ = self.signal(SIGKILL) }
    }

    private func signal(_ number: Int32) -> Bool {
        state.withLock { state in
            guard let pid = state.pid else { return false }
            // The whole group: yt-dlp and anything it started.
            return kill(-pid, number) == 0
        }
    }

    private func runBlocking(timeout: Duration) -> Outcome {
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        environment["LC_ALL"] = "C.UTF-8"
        let spawned: Result<ChildProcess, any Error> = state.withLock { state in
            guard !state.cancelled else { return .failure(CancellationError()) }
            do {
                let child = try ChildProcess.spawn(executable, arguments, environment: environment)
                state.pid = child.pid
                return .success(child)
            } catch {
                return .failure(error)
            }
        }
        let child: ChildProcess
        switch spawned {
        case .success(let started): child = started
        case .failure(let error as CancellationError): _ = error; return .cancelled
        case .failure(let error): return .failed(stderr: "ERROR: yt-dlp cannot be started: \(error)")
        }

        var pending = Data()
        let onTimeout: @Sendable () -> Void = {
            self.state.withLock { $0.timedOut = true }
            self.stop()
        }
        let (status, errors) = child.collect(timeout: timeout, onTimeout: onTimeout) { chunk in
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                heard(line)
            }
        }
        state.withLock { $0.pid = nil }
        return state.withLock { state in
            if state.cancelled { return .cancelled }
            if state.timedOut { return .timedOut }
            guard status == 0 else { return .failed(stderr: errors) }
            return .finished(file: state.file, title: state.title)
        }
    }

    private func heard(_ line: String) {
        switch YTDLP.parse(line) {
        case .file(let path): state.withLock { $0.file = path }
        case .title(let title): state.withLock { $0.title = title }
        case .progress: onLine(line)
        case .other: break
        }
    }

}
