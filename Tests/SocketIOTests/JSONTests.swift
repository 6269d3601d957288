import Testing
@testable import SocketIO

@Suite("JSON reader and writer")
struct JSONTests {
    @Test("round-trips values, escapes and unicode the way JSON.stringify writes them")
    func roundTrip() throws {
        let value: SocketValue = [
            "text": "quote \" backslash \\ newline \n tab \t bell \u{07} é ✓ 🎵 / slash",
            "numbers": [0, -1, 9_007_199_254_740_993, 2.5, -0.125, 1e300],
            "flags": [true, false, nil],
            "empty": [:],
            "list": [],
        ]
        let text = value.jsonText
        #expect(!text.contains("\\/"))
        #expect(text.contains("\\u0007"))
        #expect(try SocketValue(jsonText: text) == value)
        #expect(SocketValue.double(3).jsonText == "3")
        #expect(SocketValue.double(.nan).jsonText == "null")
        #expect(SocketValue.int(9_007_199_254_740_993).jsonText == "9007199254740993")
    }

    @Test("surrogate pairs decode; lone surrogates become U+FFFD")
    func surrogates() throws {
        #expect(try SocketValue(jsonText: #""\ud83c\udfb5""#) == .string("🎵"))
        #expect(try SocketValue(jsonText: #""\ud83c x""#) == .string("\u{FFFD} x"))
        #expect(try SocketValue(jsonText: #""\udfb5""#) == .string("\u{FFFD}"))
    }

    @Test("hostile input is refused without crashing", arguments: [
        "", "[", "]", "{", "{\"a\"", "{\"a\":}", "[1,]", "[,1]", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
        "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "\"\\uZZZZ\"", "[1] [2]", "{\"a\":1,}", "NaN", "Infinity",
        "\"tab\there\"", "{1:2}", "[\"a\" \"b\"]",
    ])
    func malformed(_ text: String) {
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(Array(text.utf8)) }
    }

    @Test("invalid UTF-8 inside strings is refused")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x5B, 0x22, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x22, 0x5D]] {
            #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(bytes) }
        }
    }

    @Test("nesting beyond the limit is refused, not a stack overflow")
    func deepNesting() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(Array(deep.utf8), maxDepth: 64) }
        let objects = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(Array(objects.utf8), maxDepth: 64) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONReader.parse(Array(fine.utf8), maxDepth: 64) }
    }
}
