/// A value carried by a Socket.IO event or acknowledgement: JSON, plus binary data,
/// which travels as attachments (placeholders in the JSON, raw bytes beside it).
public enum SocketValue: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([SocketValue])
    case object([String: SocketValue])
    case binary([UInt8])

    public subscript(key: String) -> SocketValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public subscript(index: Int) -> SocketValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var arrayValue: [SocketValue]? { if case .array(let value) = self { value } else { nil } }
    public var objectValue: [String: SocketValue]? { if case .object(let value) = self { value } else { nil } }
    public var binaryValue: [UInt8]? { if case .binary(let value) = self { value } else { nil } }

    /// Integers, and doubles with no fractional part.
    public var intValue: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value) where value.rounded() == value && abs(value) < 9.007_199_254_740_992e15: Int64(value)
        default: nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// Whether any binary value sits anywhere inside.
    public var containsBinary: Bool {
        switch self {
        case .binary: true
        case .array(let values): values.contains { $0.containsBinary }
        case .object(let object): object.values.contains { $0.containsBinary }
        default: false
        }
    }
}

extension SocketValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: SocketValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, SocketValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}
