/// The stable, machine-readable kinds of failure. Their raw values are the contract's `error_type`
/// and never change once published; clients switch on them.
public enum ErrorCode: String, Sendable, Codable, CaseIterable {
    case validationError = "validation_error"
    case unauthorized
    case forbidden
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case conflict
    case payloadTooLarge = "payload_too_large"
    case unsupportedFormat = "unsupported_format"
    case rateLimited = "rate_limited"
    case insufficientStorage = "insufficient_storage"
    case hardwareUnavailable = "hardware_unavailable"
    /// A live stream (web radio) cannot be reached, is not audio, or dropped and did not come back.
    case streamUnavailable = "stream_unavailable"
    /// A song from a link could not be fetched (the site refused, a 404, too large or too long).
    case downloadFailed = "download_failed"
    /// A tool the box needs for this is not installed (yt-dlp for songs from links).
    case unavailable
    case storageError = "storage_error"
    case internalError = "internal_error"
    // Refusals of the connection layer, before any route sees the request (HTTPRefusal's codes).
    case requestTimeout = "request_timeout"
    case uriTooLong = "uri_too_long"
    case headersTooLarge = "headers_too_large"
    case malformedRequest = "malformed_request"
    case tooManyConnections = "too_many_connections"
}

/// Every failure the box reports: a stable code, a message a person can act on,
/// and optional details (for example the offending `field`).
public struct BoxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public var details: [String: String]

    public init(_ code: ErrorCode, _ message: String, details: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func validation(field: String, _ message: String) -> BoxError {
        BoxError(.validationError, message, details: ["field": field])
    }

    public static func playlistNotFound(_ id: PlaylistID) -> BoxError {
        BoxError(.notFound, "No playlist with id \(id).", details: ["playlist_id": id.description])
    }

    public static func trackNotFound(_ id: TrackID) -> BoxError {
        BoxError(.notFound, "No track with id \(id).", details: ["track_id": id.description])
    }
}
