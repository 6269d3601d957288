import MusicBoxCore

/// `client_op_id` (CONTRACT §3): an opaque string a client picks to recognise its operation's
/// result, the same rule over HTTP and Socket.IO: 1 to 128 characters, none of them a control
/// character. Kept per client (``StateManager/perform(_:clientOpID:client:)``).
enum ClientOpID {
    static let maxLength = 128
    static let invalid = BoxError.validation(field: "client_op_id", "client_op_id must be 1 to \(maxLength) printable characters.")

    static func validate(_ value: String?) throws(BoxError) -> String? {
        guard let value else { return nil }
        guard !value.isEmpty, value.count <= maxLength, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw invalid
        }
        return value
    }
}
