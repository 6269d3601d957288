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
        var process: Process?
        var cancelled = false
        var timedOut = false
        var file: String?
        var title: String?
        var stderr = Data()
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
        let process = state.withLock { state -> Process? in
            state.cancelled = true
            return state.process
        }
        if let process { Self.stop(process) }
    }

    private func runBlocking(timeout: Duration) -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        environment["LC_ALL"] = "C.UTF-8"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let started: Bool = state.withLock { state in
            guard !state.cancelled else { return false }
            do {
                try process.run()
            } catch {
                state.stderr = Data("ERROR: yt-dlp cannot be started: \(error.localizedDescription)".utf8)
                return false
            }
            state.process = process
            return true
        }
        guard started else { return state.withLock { $0.cancelled } ? .cancelled : .failed(stderr: String(decoding: state.withLock { $0.stderr }, as: UTF8.self)) }

        let errorReader = Thread {
            while true {
                let chunk = errors.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                self.state.withLock { state in
                    state.stderr.append(chunk)
                    if state.stderr.count > 65_536 { state.stderr = state.stderr.suffix(65_536) }
                }
            }
        }
        errorReader.start()
        let deadline = DispatchTime.now() + .milliseconds(Int(timeout.components.seconds * 1000))
        let watchdog = DispatchWorkItem { [weak process] in
            guard let process, process.isRunning else { return }
            self.state.withLock { $0.timedOut = true }
            Self.stop(process)
        }
        DispatchQueue.global().asyncAfter(deadline: deadline, execute: watchdog)
        var pending = Data()
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                heard(line)
            }
        }
        process.waitUntilExit()
        watchdog.cancel()
        while errorReader.isExecuting { usleep(1000) }
        return state.withLock { state in
            if state.cancelled { return .cancelled }
            if state.timedOut { return .timedOut }
            guard process.terminationStatus == 0 else { return .failed(stderr: String(decoding: state.stderr, as: UTF8.self)) }
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

    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }
}
