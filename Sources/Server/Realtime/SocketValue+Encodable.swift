import Foundation
import SocketIO

extension SocketValue {
    /// The JSON form of an `Encodable` value, for an event's arguments.
    /// Runs once per event, not once per client: broadcasts share the encoded packet.
    static func encoding(_ value: some Encodable) throws -> SocketValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return try SocketValue(jsonText: String(decoding: data, as: UTF8.self))
    }
}
