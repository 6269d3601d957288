import MusicBoxCore
import SocketIO

/// The fields of an operation's argument object, read with errors that name the field.
struct OperationFields: Sendable {
    let object: [String: SocketValue]

    init(_ value: SocketValue?) { object = value?.objectValue ?? [:] }

    /// The operation's `client_op_id` when well-formed (``ClientOpID``), for echoing in answers.
    var clientOpID: String? { try? ClientOpID.validate(object["client_op_id"]?.stringValue) }

    /// The `client_op_id`, or a refusal when one was given that breaks the rule.
    func validatedClientOpID() throws(BoxError) -> String? {
        guard let value = value("client_op_id") else { return nil }
        guard let text = value.stringValue else { throw ClientOpID.invalid }
        return try ClientOpID.validate(text)
    }

    func value(_ name: String) -> SocketValue? {
        guard let value = object[name], value != .null else { return nil }
        return value
    }

    func string(_ name: String) throws(BoxError) -> String? {
        guard let value = value(name) else { return nil }
        guard let text = value.stringValue else { throw .validation(field: name, "\(name) must be a string.") }
        return text
    }

    func int64(_ name: String) throws(BoxError) -> Int64? {
        guard let value = value(name) else { return nil }
        guard let number = value.intValue else { throw .validation(field: name, "\(name) must be an integer.") }
        return number
    }

    func int(_ name: String) throws(BoxError) -> Int? {
        guard let number = try int64(name) else { return nil }
        guard let small = Int(exactly: number), abs(small) <= Int(Int32.max) else { throw .validation(field: name, "\(name) is out of range.") }
        return small
    }

    func bool(_ name: String) throws(BoxError) -> Bool? {
        guard let value = value(name) else { return nil }
        guard let flag = value.boolValue else { throw .validation(field: name, "\(name) must be true or false.") }
        return flag
    }

    func require<T>(_ value: T?, _ name: String) throws(BoxError) -> T {
        guard let value else { throw .validation(field: name, "\(name) is required.") }
        return value
    }

    /// A playlist id; required unless `required` is false. A malformed id is `not_found`, like an unknown one.
    func playlistID(_ name: String, required: Bool = true) throws(BoxError) -> PlaylistID? {
        guard let text = try string(name) else {
            if required { throw .validation(field: name, "\(name) is required.") }
            return nil
        }
        guard let id = PlaylistID(text) else { throw .playlistNotFoundText(text) }
        return id
    }
}
