/// Socket.IO v5 packet types.
public enum SocketPacketType: UInt8, Sendable {
    case connect = 0, disconnect, event, ack, connectError, binaryEvent, binaryAck
}

/// One Socket.IO packet, with binary attachments already put back in place.
struct SocketPacket: Equatable, Sendable {
    var type: SocketPacketType
    var namespace: String
    var id: Int64?
    var data: SocketValue?

    init(_ type: SocketPacketType, namespace: String = "/", id: Int64? = nil, data: SocketValue? = nil) {
        self.type = type
        self.namespace = namespace
        self.id = id
        self.data = data
    }
}

/// A packet the client sent that the protocol does not allow.
public struct SocketProtocolError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Limits on what a client may send, so hostile packets cost little.
public struct PacketLimits: Sendable {
    /// Attachments one binary packet may announce.
    public var maxAttachments = 16
    /// JSON nesting depth.
    public var maxDepth = 32
    public init() {}
}

/// Reads Socket.IO packets from Engine.IO messages. Keeps the state of a binary packet whose
/// attachments are still arriving, so there is one decoder per client connection.
struct PacketDecoder {
    let limits: PacketLimits
    private var pending: (packet: SocketPacket, expected: Int, attachments: [[UInt8]])?

    init(limits: PacketLimits) { self.limits = limits }

    /// Decodes a text message. Returns nil when the packet waits for binary attachments.
    mutating func decode(text: String) throws(SocketProtocolError) -> SocketPacket? {
        guard pending == nil else { throw SocketProtocolError("text packet while binary attachments were expected") }
        var bytes = Substring(text).utf8[...]
        guard let first = bytes.first, first >= UInt8(ascii: "0"),
              let type = SocketPacketType(rawValue: first - UInt8(ascii: "0")) else {
            throw SocketProtocolError("unknown packet type")
        }
        bytes = bytes.dropFirst()

        var attachmentCount = 0
        if type == .binaryEvent || type == .binaryAck {
            let digits = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard !digits.isEmpty, digits.count <= 4, bytes.dropFirst(digits.count).first == UInt8(ascii: "-"),
                  let count = Int(String(decoding: digits, as: UTF8.self)) else {
                throw SocketProtocolError("bad attachment count")
            }
            guard count <= limits.maxAttachments else {
                throw SocketProtocolError("\(count) attachments announced; the limit is \(limits.maxAttachments)")
            }
            attachmentCount = count
            bytes = bytes.dropFirst(digits.count + 1)
        }

        var namespace = "/"
        if bytes.first == UInt8(ascii: "/") {
            let name = bytes.prefix { $0 != UInt8(ascii: ",") }
            guard let text = String(validating: name, as: UTF8.self), name.count <= 256 else {
                throw SocketProtocolError("bad namespace")
            }
            namespace = text
            bytes = bytes.dropFirst(name.count)
            if bytes.first == UInt8(ascii: ",") { bytes = bytes.dropFirst() }
        }

        var id: Int64?
        let idDigits = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        if !idDigits.isEmpty {
            guard idDigits.count <= 15, let value = Int64(String(decoding: idDigits, as: UTF8.self)) else {
                throw SocketProtocolError("bad acknowledgement id")
            }
            id = value
            bytes = bytes.dropFirst(idDigits.count)
        }

        var data: SocketValue?
        if !bytes.isEmpty {
            do {
                data = try JSONReader.parse(bytes, maxDepth: limits.maxDepth)
            } catch {
                throw SocketProtocolError(error.description)
            }
        }
        let packet = SocketPacket(type, namespace: namespace, id: id, data: data)
        try Self.validate(packet)
        if attachmentCount > 0 {
            pending = (packet, attachmentCount, [])
            return nil
        }
        if type == .binaryEvent || type == .binaryAck {
            return try Self.fillPlaceholders(packet, attachments: [])
        }
        return packet
    }

    /// Decodes a binary message: the next attachment of the pending binary packet.
    mutating func decode(binary: [UInt8]) throws(SocketProtocolError) -> SocketPacket? {
        guard var current = pending else { throw SocketProtocolError("binary message without a binary packet") }
        current.attachments.append(binary)
        guard current.attachments.count == current.expected else {
            pending = current
            return nil
        }
        pending = nil
        return try Self.fillPlaceholders(current.packet, attachments: current.attachments)
    }

    private static func validate(_ packet: SocketPacket) throws(SocketProtocolError) {
        switch packet.type {
        case .connect:
            if let data = packet.data, data.objectValue == nil { throw SocketProtocolError("CONNECT payload must be an object") }
        case .disconnect:
            break
        case .event, .binaryEvent:
            guard let array = packet.data?.arrayValue, array.first?.stringValue != nil else {
                throw SocketProtocolError("EVENT payload must be an array starting with the event name")
            }
        case .ack, .binaryAck:
            guard packet.id != nil, packet.data?.arrayValue != nil else {
                throw SocketProtocolError("ACK needs an id and an array payload")
            }
        case .connectError:
            throw SocketProtocolError("CONNECT_ERROR is sent by servers only")
        }
    }

    private static func fillPlaceholders(_ packet: SocketPacket, attachments: [[UInt8]]) throws(SocketProtocolError) -> SocketPacket {
        var filled = packet
        filled.type = packet.type == .binaryEvent ? .event : (packet.type == .binaryAck ? .ack : packet.type)
        filled.data = try packet.data.map { value throws(SocketProtocolError) in try replace(value, attachments) }
        return filled
    }

    private static func replace(_ value: SocketValue, _ attachments: [[UInt8]]) throws(SocketProtocolError) -> SocketValue {
        switch value {
        case .object(let object):
            if object["_placeholder"] == .bool(true), let number = object["num"]?.intValue {
                guard number >= 0, number < attachments.count else {
                    throw SocketProtocolError("placeholder \(number) has no attachment")
                }
                return .binary(attachments[Int(number)])
            }
            var result: [String: SocketValue] = [:]
            for (key, element) in object { result[key] = try replace(element, attachments) }
            return .object(result)
        case .array(let values):
            var result: [SocketValue] = []
            result.reserveCapacity(values.count)
            for element in values { result.append(try replace(element, attachments)) }
            return .array(result)
        default:
            return value
        }
    }
}

/// Writes Socket.IO packets as the Engine.IO packets that carry them: one text message,
/// then one binary message per attachment.
enum PacketEncoder {
    static func encode(_ packet: SocketPacket) -> [EnginePacket] {
        var attachments: [[UInt8]] = []
        let data = packet.data.map { extractBinary($0, into: &attachments) }
        var type = packet.type
        if !attachments.isEmpty {
            if type == .event { type = .binaryEvent }
            if type == .ack { type = .binaryAck }
        }
        var writer = JSONWriter(reserving: 64)
        writer.append("4")  // Engine.IO message
        writer.append(String(type.rawValue))
        if !attachments.isEmpty { writer.append("\(attachments.count)-") }
        if packet.namespace != "/" { writer.append(packet.namespace + ",") }
        if let id = packet.id { writer.append(String(id)) }
        if let data { writer.write(data) }
        return [.encodedText(String(decoding: writer.bytes, as: UTF8.self))] + attachments.map { .binary($0) }
    }

    private static func extractBinary(_ value: SocketValue, into attachments: inout [[UInt8]]) -> SocketValue {
        switch value {
        case .binary(let bytes):
            attachments.append(bytes)
            return .object(["_placeholder": .bool(true), "num": .int(Int64(attachments.count - 1))])
        case .array(let values):
            guard value.containsBinary else { return value }
            return .array(values.map { extractBinary($0, into: &attachments) })
        case .object(let object):
            guard value.containsBinary else { return value }
            return .object(object.mapValues { extractBinary($0, into: &attachments) })
        default:
            return value
        }
    }
}
