import Foundation
import Logging
import MusicBoxCore
import ServiceLifecycle

/// Songs from a link (parents only): each task runs yt-dlp in a child process that downloads the
/// audio into a staging folder beside the media folder; the file is then hashed and decoded
/// (``AudioProbe``) on the blocking pool and added like an upload (``AddTrack``). Its events are
/// the reference contract's §7 (``LinkNotice``).
///
/// - At most ``Limits/concurrentTasks`` run at once; more are refused (429), not queued unseen.
/// - Cancelling kills the child and removes whatever it wrote: no file, no row.
/// - Tasks are kept in a small journal (``LinkTaskJournal``) so a task the daemon was running when
///   it stopped reads as `error` after the restart, not as a download that never ends.
/// - Without yt-dlp (``Limits/executable`` not found) a task is refused with `unavailable` (503)
///   and health says so.
public actor LinkImportService: Service {
    public struct Limits: Sendable, Equatable {
        /// yt-dlp: a path, or a name looked up on `PATH`.
        public var executable = "yt-dlp"
        public var concurrentTasks = 2
        /// Largest file yt-dlp may fetch.
        public var maxBytes: Int64 = 1 << 30
        /// Longest song accepted (checked on the downloaded file).
        public var maxDurationMs: Int64 = 3 * 3600 * 1000
        /// A task that has not finished after this long is stopped.
        public var timeout: Duration = .seconds(1800)
        public var socketTimeoutS = 20
        /// Finished tasks kept for `GET …/links` (the newest).
        public var keptFinished = 50
        public init() {}
    }

    private let directory: URL
    private let limits: Limits
    private let state: StateManager
    private let probe: any AudioProbe
    private let io: BlockingIO
    private let journal: LinkTaskJournal
    private let logger: Logger
    private var tasks: [String: LinkTask] = [:]
    private var running: [String: LinkProcess] = [:]
    /// How often `youtube:progress` may go out per task.
    private let progressInterval = Duration.milliseconds(250)
    private var lastProgress: [String: ContinuousClock.Instant] = [:]

    /// Reads the journal: a task still running when the previous run stopped becomes `error`;
    /// whatever it left in the staging folder is removed.
    public init(directory: URL, limits: Limits, state: StateManager, probe: any AudioProbe, io: BlockingIO = BlockingIO(), logger: Logger) throws {
        self.directory = directory
        self.limits = limits
        self.state = state
        self.probe = probe
        self.io = io
        self.logger = logger
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        journal = LinkTaskJournal(path: directory.appendingPathComponent("tasks.json").path)
        let now = EpochMillis(Date().timeIntervalSince1970 * 1000)
        var interrupted = 0
        for var task in journal.load() {
            if !task.isFinished {
                task.status = .error
                task.errorType = ErrorCode.downloadFailed.rawValue
                task.message = "The box restarted during the download; add the link again."
                task.updatedAt = now
                interrupted += 1
            }
            tasks[task.id] = task
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name != "tasks.json" {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
        if interrupted > 0 {
            logger.notice("\(interrupted) link task(s) were interrupted by the restart")
            journal.save(Array(tasks.values))
        }
    }

    /// Where yt-dlp is (`nil`: not installed), for health and before each task.
    public nonisolated func executablePath() -> String? {
        Self.locate(limits.executable)
    }

    /// `name` as a path, or the first executable of that name on `PATH`.
    public static func locate(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    // MARK: Tasks

    /// Starts a task for `url` into `playlistID` (the URL already checked by ``StreamURL``).
    public func start(url: String, playlistID: PlaylistID, requester: String?) async throws(BoxError) -> LinkTask {
        guard let executable = executablePath() else {
            throw BoxError(.unavailable, "Songs from links need yt-dlp, which is not installed on this box (apt install yt-dlp).",
                           details: ["reason": "ytdlp_missing", "executable": limits.executable])
        }
        guard await state.hasPlaylist(playlistID) else { throw BoxError.playlistNotFound(playlistID) }
        guard running.count < limits.concurrentTasks else {
            throw BoxError(.rateLimited, "The box is already fetching \(limits.concurrentTasks) links; wait for one to finish.",
                           details: ["retry_after": "10"])
        }
        let task = LinkTask(playlistID: playlistID, url: url, requester: requester, now: Self.now())
        tasks[task.id] = task
        let arguments = YTDLP.arguments(url: url, output: directory.path, taskID: task.id, maxBytes: limits.maxBytes,
                                        socketTimeoutS: limits.socketTimeoutS)
        // Progress lines in the order yt-dlp printed them, one at a time.
        let (lines, sink) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(64))
        let process = LinkProcess(executable: executable, arguments: arguments, onLine: { line in sink.yield(line) }, onEnd: { sink.finish() })
        Task { [weak self] in
            for await line in lines { await self?.heard(line, task: task.id) }
        }
        running[task.id] = process
        persist()
        logger.info("link task \(task.id): \(StreamURL.shown(url)) into playlist \(playlistID)")
        await state.announce(.progress(task))
        Task { await self.run(task.id, process) }
        return task.shown
    }

    /// The tasks of a playlist, newest first.
    public func list(playlistID: PlaylistID) -> [LinkTask] {
        tasks.values.filter { $0.playlistID == playlistID }.sorted { $0.createdAt > $1.createdAt }.map(\.shown)
    }

    /// Stops a task: the child is killed and whatever it wrote removed. A finished one is forgotten.
    public func cancel(taskID: String, playlistID: PlaylistID) async throws(BoxError) {
        guard let task = tasks[taskID], task.playlistID == playlistID else {
            throw BoxError(.notFound, "No link task \(taskID) in this playlist.", details: ["task_id": taskID])
        }
        if task.isFinished {
            tasks[taskID] = nil
            persist()
            return
        }
        running[taskID]?.cancel()
        await fail(taskID, BoxError(.downloadFailed, "Cancelled.", details: ["reason": "cancelled"]))
    }

    private func run(_ id: String, _ process: LinkProcess) async {
        // Cancelled before it began: nothing to run (and no progress line will come).
        guard tasks[id]?.isFinished == false else {
            process.finishLines()
            return
        }
        await update(id) { task in
            task.status = .downloading
            task.currentStep = "Downloading"
        }
        let outcome = await process.run(timeout: limits.timeout)
        process.finishLines()
        guard let task = tasks[id], !task.isFinished else {
            running[id] = nil
            removeFiles(of: id)
            return
        }
        switch outcome {
        case .cancelled:
            running[id] = nil
            removeFiles(of: id)
        case .timedOut:
            await fail(id, BoxError(.downloadFailed, "The download took longer than \(limits.timeout.components.seconds / 60) minutes.",
                                    details: ["reason": "timeout"]))
        case .failed(let stderr):
            await fail(id, YTDLP.failure(stderr: stderr))
        case .finished(let file, let title):
            guard let file, FileManager.default.fileExists(atPath: file) else {
                await fail(id, BoxError(.downloadFailed, "Nothing was downloaded: the file is larger than \(limits.maxBytes >> 20) MB, or the page has no audio.",
                                        details: ["reason": "nothing_downloaded"]))
                return
            }
            await add(id, file: file, title: title)
        }
    }

    /// Hashes and decodes the file, then adds it as an upload is added.
    private func add(_ id: String, file: String, title: String?) async {
        await update(id) { task in
            task.status = .processing
            task.currentStep = "Checking the file"
            task.progressPercent = 100
            task.estimatedTimeRemainingMs = nil
        }
        guard let task = tasks[id] else { return }
        let fallback = title.flatMap { TextRules.cleaned($0)?.text } ?? UploadFileName.stem(URL(fileURLWithPath: file).lastPathComponent)
        do {
            let new = try await FetchedFile.track(at: file, what: "song", probe: probe, maxDurationMs: limits.maxDurationMs, io: io) {
                $0.title ?? fallback
            }
            let track = try await state.perform(AddTrack(playlistID: task.playlistID, track: new, stagedFile: file)).value
            running[id] = nil
            await update(id, announce: false) { task in
                task.status = .completed
                task.currentStep = "Added"
                task.trackID = track.id
            }
            logger.info("link task \(id): added \(new.title) as track \(track.id) (\(new.durationMs) ms)")
            if let done = tasks[id] { await state.announce(.complete(done, track)) }
            removeFiles(of: id)
        } catch {
            await fail(id, error)
        }
    }

    private func fail(_ id: String, _ error: BoxError) async {
        running[id] = nil
        removeFiles(of: id)
        await update(id, announce: false) { task in
            task.status = .error
            task.currentStep = "Failed"
            task.message = error.message
            task.errorType = error.code.rawValue
            task.estimatedTimeRemainingMs = nil
        }
        logger.notice("link task \(id): \(error.message)")
        if let task = tasks[id] { await state.announce(.failed(task)) }
    }

    private func heard(_ line: String, task id: String) async {
        guard case .progress(let downloaded, let total, let eta) = YTDLP.parse(line), tasks[id]?.status == .downloading else { return }
        let now = ContinuousClock.now
        if let last = lastProgress[id], now - last < progressInterval, total.map({ downloaded < $0 }) ?? true { return }
        lastProgress[id] = now
        await update(id, persisting: false) { task in
            task.progressPercent = total.map { ($0 > 0 ? (Double(downloaded) * 1000 / Double($0)).rounded() / 10 : 0) } ?? 0
            task.estimatedTimeRemainingMs = eta.map { $0 * 1000 }
        }
    }

    /// Changes a task; `announce`: tells its listeners (`youtube:progress`), in order with the
    /// task's other events (awaited, never from a detached task).
    private func update(_ id: String, announce: Bool = true, persisting: Bool = true, _ change: (inout LinkTask) -> Void) async {
        guard var task = tasks[id] else { return }
        change(&task)
        task.updatedAt = Self.now()
        tasks[id] = task
        if persisting { persist() }
        if announce { await state.announce(.progress(task)) }
    }

    /// Writes the journal, keeping every running task and the newest finished ones.
    private func persist() {
        let finished = tasks.values.filter(\.isFinished).sorted { $0.updatedAt > $1.updatedAt }
        for old in finished.dropFirst(limits.keptFinished) { tasks[old.id] = nil }
        journal.save(Array(tasks.values))
    }

    private func removeFiles(of id: String) { FetchedFile.remove(prefix: id, in: directory) }

    private static func now() -> EpochMillis { EpochMillis(Date().timeIntervalSince1970 * 1000) }

    // MARK: Service

    /// Stops every running task when the daemon stops (they read as `error` after the restart).
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true { try await Task.sleep(for: .seconds(3600)) }
            }
        } catch is CancellationError {}
        stopAll()
    }

    private func stopAll() {
        for process in running.values { process.cancel() }
    }
}
