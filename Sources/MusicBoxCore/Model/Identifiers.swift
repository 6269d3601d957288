import Foundation

/// Identifiers are UUIDs on the wire and in SQLite, always in lowercase text form,
/// so that a client can compare them as plain strings.
public protocol BoxIdentifier: Hashable, Codable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    var uuid: UUID { get }
    init(uuid: UUID)
}

extension BoxIdentifier {
    public init() { self.init(uuid: UUID()) }

    /// Parses the text form; `nil` when it is not a UUID.
    public init?(_ description: String) {
        guard let uuid = UUID(uuidString: description) else { return nil }
        self.init(uuid: uuid)
    }

    public var description: String { uuid.uuidString.lowercased() }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let uuid = UUID(uuidString: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a UUID: \(text)")
        }
        self.init(uuid: uuid)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

public struct PlaylistID: BoxIdentifier {
    public let uuid: UUID
    public init(uuid: UUID) { self.uuid = uuid }
}

public struct TrackID: BoxIdentifier {
    public let uuid: UUID
    public init(uuid: UUID) { self.uuid = uuid }
}

/// An NFC tag's UID: lowercase hexadecimal without separators, as the reader reports it.
public struct TagID: Hashable, Codable, Sendable, CustomStringConvertible {
    public let hex: String

    /// Accepts hex with optional `:`/`-`/space separators in either case; `nil` for anything else.
    /// ISO 14443 UIDs are 4, 7 or 10 bytes; we accept 4 to 10.
    public init?(_ text: String) {
        let digits = text.lowercased().filter { $0 != ":" && $0 != "-" && $0 != " " }
        guard (8...20).contains(digits.count), digits.count % 2 == 0,
              digits.allSatisfy({ $0.isHexDigit && $0.isASCII }) else { return nil }
        self.hex = digits
    }

    public var description: String { hex }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let tag = TagID(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an NFC tag id: \(text)")
        }
        self = tag
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
