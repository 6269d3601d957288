import Foundation
import Hummingbird
import Logging
@_spi(Simulation) import MusicBoxCore
import Synchronization

/// `/api/health` and `/api/system/info`; with simulated hardware also `POST /api/dev/stall
/// {seconds}`, which hangs the state manager on purpose so the systemd watchdog can be tested.
struct SystemRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    let stallGate = DevStall()

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.health, use: health)
        routes.add(.systemInfo, use: info)
        routes.add(.systemLogs, use: logs)
        routes.add(.trySound, use: trySound)
        routes.add(.shutdown, use: shutdown)
        routes.add(.devStall, use: stall)
        if dependencies.engine is any FeedbackCueRecorder { routes.add(.devSounds, use: playedSounds) }
    }

    struct SoundReply: Encodable {
        var cue: String
        /// The volume it plays at; null when silent (sounds off, muted, quiet time without music).
        var volume: Int?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(cue, forKey: .cue)
            try container.encode(volume, forKey: .volume)  // null, not left out
        }

        enum CodingKeys: String, CodingKey { case cue, volume }
    }

    /// Plays one feedback sound now, for a parent choosing the sound volume.
    @Sendable func trySound(_ request: Request, context: Context) async throws -> Response {
        let name = context.parameters.get("cue") ?? ""
        guard let cue = FeedbackCue(rawValue: name) else {
            throw BoxError.validation(field: "cue", "cue must be one of " + FeedbackCue.allCases.map(\.rawValue).joined(separator: ", ") + ".")
        }
        let volume = await dependencies.state.playFeedback(cue, evenIfJustPlayed: true)
        return try JSONResponse.success(
            SoundReply(cue: cue.rawValue, volume: volume),
            message: volume == nil ? "Silent: sounds are off in the settings, the box is muted or turned all the way down, or it is quiet time" : "Playing"
        )
    }

    /// `202`: the box pauses, says goodbye and asks systemd to switch off.
    @Sendable func shutdown(_ request: Request, context: Context) async throws -> Response {
        guard let power = dependencies.power else { throw PowerOff.notSetUp }
        try await power.request(by: "POST /api/system/shutdown")
        return try JSONResponse.success(["switching_off": true], message: "The box is switching off", status: .accepted)
    }

    /// The feedback sounds the simulated output was asked to play, oldest first.
    @Sendable func playedSounds(_ request: Request, context: Context) async throws -> Response {
        let played = (dependencies.engine as? any FeedbackCueRecorder)?.playedCues ?? []
        return try JSONResponse.success(["sounds": played.map { SoundReply(cue: $0.cue.rawValue, volume: $0.volume) }], message: "\(played.count) sounds")
    }

    /// The last `lines` (1–1000, default 200) log lines, oldest first; for parents once a PIN is set.
    @Sendable func logs(_ request: Request, context: Context) async throws -> Response {
        let count = try QueryInt.read(request, "lines", default: 200, range: 1...1000)
        let lines = LogRing.shared.last(count)
        return try JSONResponse.success(["lines": lines], message: "\(lines.count) log lines")
    }

    struct StallBody: Decodable {
        var seconds: Double
    }

    @Sendable func stall(_ request: Request, context: Context) async throws -> Response {
        let input = try await JSONBodyReader(limit: dependencies.maxJSONBodyBytes).decode(StallBody.self, from: request)
        guard (0...30).contains(input.seconds) else { throw BoxError.validation(field: "seconds", "seconds must be from 0 to 30.") }
        // One hang at a time: stacked ones would hold the manager for their sum.
        let gate = stallGate
        guard gate.begin() else { throw BoxError(.conflict, "The state manager is already hanging on purpose; wait for it to end.") }
        // Not awaited: the caller learns at once that the hang began.
        let state = dependencies.state
        Task {
            await state.hangForTesting(seconds: input.seconds)
            gate.end()
        }
        return try JSONResponse.success(["seconds": input.seconds], message: "The state manager hangs now")
    }

    /// 200 while the box can serve (healthy or degraded); 503, still with the component list,
    /// when the database or the disk fails.
    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        let report = await dependencies.health.check()
        guard report.status != .unhealthy else {
            var error = BoxError(.hardwareUnavailable, "The box is unhealthy: " + report.failing.joined(separator: ", ") + " unavailable.")
            error.details = report.components.mapValues(\.rawValue)
            throw error
        }
        return try JSONResponse.success(report, message: report.status.rawValue)
    }

    struct InfoData: Encodable {
        var name = "musicboxd"
        var version: String
        var started_at: EpochMillis
        var uptime_ms: Int64
        var server_epoch: String
        var server_seq: UInt64
        var hardware_mode: String
        var disk: DiskSpace?
        var boot_timeline_ms: [String: Int64]
    }

    @Sendable func info(_ request: Request, context: Context) async throws -> Response {
        let system = dependencies.system
        let uptime = ContinuousClock.now - system.startInstant
        let data = InfoData(
            version: system.version,
            started_at: system.startedAt.epochMillis,
            uptime_ms: uptime.components.seconds * 1000 + uptime.components.attoseconds / 1_000_000_000_000_000,
            server_epoch: dependencies.state.serverEpoch,
            server_seq: await dependencies.state.currentServerSeq,
            hardware_mode: system.hardwareMode.rawValue,
            disk: DiskSpace.measure(system.dataDirectory),
            boot_timeline_ms: Dictionary(uniqueKeysWithValues: system.timeline.milestonesMs())
        )
        return try JSONResponse.success(data, message: "musicboxd \(system.version)")
    }
}

/// Whether a `/api/dev/stall` hang is under way.
final class DevStall: Sendable {
    private let busy = Mutex(false)

    func begin() -> Bool { busy.withLock { running in defer { running = true }; return !running } }
    func end() { busy.withLock { $0 = false } }
}

/// Free and total bytes of the file system holding the data folder.
struct DiskSpace: Encodable {
    var path: String
    var free_bytes: Int64
    var total_bytes: Int64

    /// `statvfs` is a single fast system call; `nil` when the path cannot be read.
    static func measure(_ path: String) -> DiskSpace? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        let block = Int64(stats.f_frsize)
        return DiskSpace(path: path, free_bytes: Int64(stats.f_bavail) * block, total_bytes: Int64(stats.f_blocks) * block)
    }
}
