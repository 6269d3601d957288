/// Writes ``SocketValue``s as JSON text, the way `JSON.stringify` would: no spaces,
/// `/` unescaped, non-ASCII as UTF-8, non-finite numbers as `null`.
/// Binary values must have been replaced by placeholders before (see ``PacketEncoder``).
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(reserving capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func write(_ value: SocketValue) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .int(let number): append(String(number))
        case .double(let number): writeDouble(number)
        case .string(let text): writeString(text)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object) where object.count == 2 && object["_placeholder"] == .bool(true):
            // A binary attachment's placeholder, in the reference's key order (some clients compare text).
            append(#"{"_placeholder":true,"num":"#)
            write(object["num"] ?? .null)
            bytes.append(UInt8(ascii: "}"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, element) in object {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                write(element)
            }
            bytes.append(UInt8(ascii: "}"))
        case .binary:
            // Unreachable through the encoder, which extracts attachments first; never emit invalid JSON.
            append("null")
        }
    }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    private mutating func writeDouble(_ number: Double) {
        guard number.isFinite else { return append("null") }
        if number.rounded() == number, abs(number) < 1e15 {
            append(String(Int64(number)))
        } else {
            append(String(number))
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0..<0x20:
                bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                          Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension SocketValue {
    /// The value as JSON text (binary values become `null`; use the packet encoder for those).
    public var jsonText: String {
        var writer = JSONWriter()
        writer.write(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
