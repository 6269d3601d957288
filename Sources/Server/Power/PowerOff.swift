import Foundation
import Logging
import MusicBoxCore

/// Switches the whole box off, from the shutdown button or `POST /api/system/shutdown`, without
/// any privilege of its own.
///
/// The daemon runs as an unprivileged user with `NoNewPrivileges=yes` (so sudo could not work
/// anyway). It only creates a request file in its runtime directory; `musicboxd-shutdown.path`
/// sees it and starts `musicboxd-shutdown.service`, which runs `systemctl poweroff` as root.
/// Only the daemon's user can write that directory, so nothing else can switch the box off.
///
/// Before the file is written, playback pauses (where it was is saved, like any pause) and the
/// goodbye sound plays out; systemd then stops the daemon like any shutdown (SIGTERM, database
/// closed cleanly).
public actor PowerOff {
    public enum Phase: Sendable, Equatable {
        case idle
        /// The request is under way (sound playing or file written); asking again changes nothing.
        case switchingOff
    }

    /// `nil`: not set up (no `power.request_file`, not under systemd).
    public nonisolated let requestFile: String?
    /// A request still lying there after this long was not taken up (the path unit is not
    /// enabled): it is withdrawn, and the box says so (log, error sound) and plays on as before.
    public nonisolated let unansweredAfter: Duration
    private let state: StateManager
    private let logger: Logger
    public private(set) var phase = Phase.idle

    public init(requestFile: String?, state: StateManager, unansweredAfter: Duration = .seconds(30), logger: Logger) {
        self.requestFile = requestFile
        self.unansweredAfter = unansweredAfter
        self.state = state
        self.logger = logger
    }

    /// The refusal when there is nowhere to ask (no request file).
    public static let notSetUp = BoxError(
        .hardwareUnavailable, "Switching the box off is not set up: install musicboxd-shutdown.path (see the README, \"Shutdown button\").",
        details: ["reason": "power_off_not_set_up"]
    )

    /// The request file from the configuration, else `$RUNTIME_DIRECTORY/poweroff` (systemd's
    /// `RuntimeDirectory=`), else `nil`.
    public static func requestFile(configured: String, environment: [String: String]) -> String? {
        if !configured.isEmpty { return configured }
        guard let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !runtime.isEmpty else { return nil }
        return String(runtime) + "/poweroff"
    }

    /// Starts switching off and returns at once (the goodbye sound and the request follow). Refused,
    /// changing nothing, when switching off is not set up or its folder cannot be written.
    /// `by` names who asked, for the log.
    public func request(by source: String) throws(BoxError) {
        guard let requestFile else { throw Self.notSetUp }
        let folder = (requestFile as NSString).deletingLastPathComponent
        guard access(folder.isEmpty ? "." : folder, W_OK) == 0 else {
            throw BoxError(.hardwareUnavailable, "The box cannot ask to be switched off: \(folder) is missing or not writable.",
                           details: ["reason": "power_off_not_set_up", "path": requestFile])
        }
        guard phase == .idle else { return }
        phase = .switchingOff
        logger.notice("switching the box off (asked by \(source))")
        Task { await self.finish(requestFile) }
    }

    private func finish(_ path: String) async {
        let goodbye = await state.prepareForPowerOff()
        try? await Task.sleep(for: goodbye)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            logger.error("could not write \(path) to switch off: \(String(cString: strerror(errno)))")
            phase = .idle
            return
        }
        let note = "poweroff requested by musicboxd pid \(getpid())\n"
        _ = note.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
        logger.notice("asked systemd to switch off (\(path))")
        // musicboxd-shutdown.service removes the request as it starts; one still there means
        // nothing is watching for it.
        try? await Task.sleep(for: unansweredAfter)
        guard access(path, F_OK) == 0 else { return }
        unlink(path)
        logger.error("nothing switched the box off within \(unansweredAfter): is musicboxd-shutdown.path enabled? (systemctl enable --now musicboxd-shutdown.path)")
        await state.playFeedback(.error, evenIfJustPlayed: true)
        phase = .idle
    }
}
