import Foundation

/// The real `musicboxd` binary run as a child process, for what only a process can show:
/// exit codes, signals, and `kill -9`.
final class DaemonProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched from the test that owns this value.
    let process = Process()
    let logFile: URL

    /// The binary sits next to the test bundle in the build folder.
    static var binary: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("musicboxd") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Starts `musicboxd arguments…`; its stdout and stderr go to `logFile` (no pipes to fill up).
    init(arguments: [String], environment: [String: String] = [:], workingDirectory: URL, logFile: URL) throws {
        self.logFile = logFile
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = workingDirectory
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MUSICBOXD_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try log.close()
    }

    /// Runs the binary to completion and returns its exit code and output.
    static func runToEnd(arguments: [String], environment: [String: String] = [:], in directory: TemporaryDirectory) async throws -> (status: Int32, output: String) {
        let child = try DaemonProcess(arguments: arguments, environment: environment, workingDirectory: directory.url, logFile: directory.file("out-\(UUID().uuidString.prefix(6)).log"))
        let status = try await child.waitForExit(timeout: 30)
        return (status, child.log)
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Waits for the log line `ready on port N` and returns N.
    func waitUntilReady(timeout: TimeInterval = 30) async throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let match = log.firstMatch(of: /ready on port (\d+)/), let port = Int(match.1) { return port }
            guard process.isRunning else { throw HTTPClientError(description: "daemon exited early:\n\(log)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw HTTPClientError(description: "daemon not ready in \(timeout) s:\n\(log)")
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    func waitForExit(timeout: TimeInterval = 30) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw HTTPClientError(description: "process did not exit in \(timeout) s:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
