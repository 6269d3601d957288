import CALSASupport
import Logging
import Synchronization

/// alsa-lib prints its own error messages on stderr; on the box they belong in our log, with our
/// levels and labels. ``routeToLog(_:)`` sends them to a logger (warning level: alsa-lib only
/// reports problems, most of which the output also reports as errors it can act on).
public enum ALSAMessages {
    private static let logger = Mutex<Logger?>(nil)

    public static func routeToLog(_ logger: Logger) {
        Self.logger.withLock { $0 = logger }
        musicbox_alsa_route_errors { file, line, function, error, message in
            guard let logger = ALSAMessages.logger.withLock({ $0 }) else { return }
            let text = message.map { String(cString: $0) } ?? ""
            let place = function.map { String(cString: $0) } ?? "?"
            logger.warning("alsa-lib: \(text)", metadata: ["function": "\(place)", "error": "\(error)"])
        }
    }
}
