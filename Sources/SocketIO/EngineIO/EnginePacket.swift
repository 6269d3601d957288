import Foundation
import Synchronization

/// Engine.IO v4 packet types.
public enum EnginePacketType: UInt8, Sendable {
    case open = 0, close, ping, pong, message, upgrade, noop

    var character: Character { Character(Unicode.Scalar(UInt8(ascii: "0") + rawValue)) }
}

/// One Engine.IO packet. Text packets carry a type and a text payload; a binary packet is
/// always a message (on WebSocket a binary frame, on polling `b` + base64).
public enum EnginePacket: Sendable, Equatable {
    case text(EnginePacketType, String)
    case binary([UInt8])
    /// A complete text frame encoded once and shared by every recipient of a broadcast.
    case encoded(SharedFrame)

    static func encodedText(_ text: String) -> EnginePacket { .encoded(SharedFrame(text)) }

    public static func message(_ text: String) -> EnginePacket { .text(.message, text) }
    static let ping = EnginePacket.text(.ping, "")
    static let pong = EnginePacket.text(.pong, "")
    static let noop = EnginePacket.text(.noop, "")
    static let close = EnginePacket.text(.close, "")

    /// The frame text of a text packet: the type digit, then the payload.
    var frameText: String? {
        switch self {
        case .text(let type, let payload): String(type.character) + payload
        case .encoded(let frame): frame.text
        case .binary: nil
        }
    }

    /// Bytes this packet costs in an outbox, for the slow-client limit.
    var byteCount: Int {
        switch self {
        case .text(_, let payload): payload.utf8.count + 1
        case .encoded(let frame): frame.text.utf8.count
        case .binary(let bytes): bytes.count
        }
    }
}

/// A text frame shared by all recipients of a broadcast. Transports may keep one converted form
/// of it (the WebSocket adapter keeps a ByteBuffer), made by the first writer and reused by the rest,
/// so a broadcast to 500 clients is converted once, not 500 times.
public final class SharedFrame: Sendable, Equatable {
    public let text: String
    private let converted = Mutex<(any Sendable)?>(nil)

    init(_ text: String) { self.text = text }

    /// The transport's form of this frame, made once by `make`.
    public func converted<T: Sendable>(_ make: (String) -> T) -> T {
        converted.withLock { slot in
            if let value = slot as? T { return value }
            let value = make(text)
            slot = value
            return value
        }
    }

    public static func == (lhs: SharedFrame, rhs: SharedFrame) -> Bool { lhs.text == rhs.text }
}

/// Why a frame or payload could not be read.
struct EngineDecodingError: Error, Equatable, CustomStringConvertible {
    var description: String
}

enum EngineCodec {
    /// The record separator between packets of a polling payload.
    static let separator: Character = "\u{1E}"

    /// Decodes one text frame (WebSocket) or one part of a polling payload.
    static func decodeText(_ text: Substring) throws(EngineDecodingError) -> EnginePacket {
        guard let first = text.utf8.first else { throw EngineDecodingError(description: "empty packet") }
        if first == UInt8(ascii: "b") {
            guard let data = Data(base64Encoded: String(text.dropFirst())) else {
                throw EngineDecodingError(description: "invalid base64 in binary packet")
            }
            return .binary(Array(data))
        }
        guard first >= UInt8(ascii: "0"), let type = EnginePacketType(rawValue: first - UInt8(ascii: "0")) else {
            throw EngineDecodingError(description: "unknown packet type")
        }
        return .text(type, String(text.dropFirst()))
    }

    /// Splits an HTTP long-polling body into packets.
    static func decodePayload(_ body: String) throws(EngineDecodingError) -> [EnginePacket] {
        var packets: [EnginePacket] = []
        for part in body.split(separator: separator, omittingEmptySubsequences: false) {
            packets.append(try decodeText(part))
        }
        return packets
    }

    /// Joins packets into one HTTP long-polling body (binary as `b` + base64).
    static func encodePayload(_ packets: [EnginePacket]) -> String {
        var body = ""
        body.reserveCapacity(packets.reduce(0) { $0 + $1.byteCount + 1 })
        for (index, packet) in packets.enumerated() {
            if index > 0 { body.append(separator) }
            switch packet {
            case .text(let type, let payload):
                body.append(type.character)
                body.append(payload)
            case .encoded(let frame):
                body.append(frame.text)
            case .binary(let bytes):
                body.append("b")
                body.append(Data(bytes).base64EncodedString())
            }
        }
        return body
    }
}
