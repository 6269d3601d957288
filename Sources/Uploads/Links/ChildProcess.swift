import Foundation
import Synchronization

/// A child process started with `posix_spawn`, in a process group of its own, with every signal
/// at its default and none blocked. Foundation's `Process` passes on the daemon's signal state:
/// the daemon ignores SIGTERM (its lifecycle handles it through a dispatch source), so a child
/// started by `Process` ignored SIGTERM too and could not be stopped but by SIGKILL.
struct ChildProcess: Sendable {
    let pid: pid_t
    /// The read ends of its standard output and error (its standard input is /dev/null).
    let output: Int32
    let errors: Int32

    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> ChildProcess {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(outPipe[1])
        close(errPipe[1])
        guard status == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EIO)
        }
        return ChildProcess(pid: pid, output: outPipe[0], errors: errPipe[0])
    }

    /// Signals the child's whole process group.
    func signal(_ number: Int32) -> Bool { kill(-pid, number) == 0 }

    /// Waits for the child to end; its exit status (a signal's death counts as failure: -1).
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
    }

    /// Reads `fd` to its end, handing over each chunk; closes it.
    static func drain(_ fd: Int32, _ body: (Data) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            body(Data(buffer[0..<count]))
        }
        close(fd)
    }
}

extension ChildProcess {
    /// Reads the child's standard output to its end (each chunk to `onOutput`, on the calling
    /// thread) and its standard error on a thread of its own (the last 64 KiB kept), and reaps
    /// it. `onTimeout` runs once if it is not done by `timeout`. Returns its exit status and error text.
    func collect(timeout: Duration, onTimeout: @escaping @Sendable () -> Void, onOutput: (Data) -> Void) -> (status: Int32, errors: String) {
        let errors = Mutex(Data())
        let errorsDone = DispatchSemaphore(value: 0)
        let reader = Thread {
            ChildProcess.drain(self.errors) { chunk in
                errors.withLock { text in
                    text.append(chunk)
                    if text.count > 65_536 { text = text.suffix(65_536) }
                }
            }
            errorsDone.signal()
        }
        reader.start()
        let watchdog = DispatchWorkItem(block: onTimeout)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)), execute: watchdog)
        Self.drain(output, onOutput)
        let status = wait()
        watchdog.cancel()
        errorsDone.wait()
        return (status, String(decoding: errors.withLock { $0 }, as: UTF8.self))
    }

    /// Runs `executable` to its end on the calling thread and returns its exit status, standard
    /// output (at most `maxOutput` bytes: more is a failure) and the last 64 KiB of its standard
    /// error. Ended (SIGKILL to its group) after `timeout`.
    static func capture(_ executable: String, _ arguments: [String], timeout: Duration, maxOutput: Int) -> (status: Int32, output: Data, errors: String) {
        let child: ChildProcess
        do {
            child = try spawn(executable, arguments, environment: ProcessInfo.processInfo.environment.merging(["LC_ALL": "C.UTF-8"]) { $1 })
        } catch {
            return (-1, Data(), "ERROR: \(executable) cannot be started: \(error)")
        }
        var output = Data()
        var tooLong = false
        let (status, errors) = child.collect(timeout: timeout, onTimeout: { _ = child.signal(SIGKILL) }) { chunk in
            if output.count + chunk.count > maxOutput {
                if !tooLong { _ = child.signal(SIGKILL) }
                tooLong = true
            } else {
                output.append(chunk)
            }
        }
        return (tooLong ? -1 : status, output, tooLong ? "ERROR: the answer is larger than \(maxOutput >> 20) MB" : errors)
    }
}
