import Testing
@testable import SocketIO

@Suite("Socket.IO packets")
struct PacketTests {
    func decode(_ text: String) throws -> SocketPacket? {
        var decoder = PacketDecoder(limits: PacketLimits())
        return try decoder.decode(text: text)
    }

    @Test("the examples of the protocol specification decode")
    func specExamples() throws {
        #expect(try decode("0") == SocketPacket(.connect))
        #expect(try decode(#"0/admin,{"token":"123"}"#) == SocketPacket(.connect, namespace: "/admin", data: ["token": "123"]))
        #expect(try decode(#"2["foo"]"#) == SocketPacket(.event, data: ["foo"]))
        #expect(try decode(#"2/admin,["bar"]"#) == SocketPacket(.event, namespace: "/admin", data: ["bar"]))
        #expect(try decode(#"212["foo"]"#) == SocketPacket(.event, id: 12, data: ["foo"]))
        #expect(try decode(#"3/admin,13["bar"]"#) == SocketPacket(.ack, namespace: "/admin", id: 13, data: ["bar"]))
        #expect(try decode("1/admin,") == SocketPacket(.disconnect, namespace: "/admin"))
    }

    @Test("binary packets wait for their attachments and put them back in place")
    func binaryReassembly() throws {
        var decoder = PacketDecoder(limits: PacketLimits())
        #expect(try decoder.decode(text: #"52-/admin,7["baz",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]"#) == nil)
        #expect(try decoder.decode(binary: [1, 2]) == nil)
        let packet = try decoder.decode(binary: [3, 4])
        #expect(packet == SocketPacket(.event, namespace: "/admin", id: 7, data: ["baz", .binary([1, 2]), ["x": .binary([3, 4])]]))
        #expect(throws: SocketProtocolError.self) { try decoder.decode(binary: [9]) }
    }

    @Test("the encoder writes what the decoder reads, binary included")
    func encodeDecode() throws {
        let packet = SocketPacket(.event, namespace: "/admin", id: 42, data: ["ev", .binary([0, 255]), ["nested": [.binary([7])]]])
        let engine = PacketEncoder.encode(packet)
        #expect(engine.count == 3)
        guard case .encoded(let frame) = engine[0] else { Issue.record("expected text first"); return }
        let text = frame.text
        #expect(text.hasPrefix("452-/admin,42["))
        var decoder = PacketDecoder(limits: PacketLimits())
        #expect(try decoder.decode(text: String(text.dropFirst())) == nil)
        #expect(try decoder.decode(binary: [0, 255]) == nil)
        #expect(try decoder.decode(binary: [7]) == packet)
        #expect(PacketEncoder.encode(SocketPacket(.event, data: ["a"]))[0] == .encodedText(#"42["a"]"#))
        // Placeholders in the reference's key order, every time (the dictionary's order is random per run).
        for _ in 0..<50 {
            let binary = PacketEncoder.encode(SocketPacket(.event, data: ["b", .binary([1]), .binary([2])]))
            #expect(binary[0] == .encodedText(#"452-["b",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#))
        }
    }

    @Test("hostile packets are refused without crashing", arguments: [
        "", "7", "x", "2", "2[]", "2[1]", "2{}", #"2"str""#, "3[]", "3", "0[]", "0\"x\"", #"4{"message":"x"}"#,
        "5", "5-[]", "5x-[]", "599999-[\"a\"]", "517-[\"a\"]", "2/ns", "2/ns,[", "21234567890123456[\"a\"]",
        #"2["a"#, "2[\"\\ud800\"", "6-1[]",
    ])
    func hostile(_ text: String) {
        #expect(throws: SocketProtocolError.self) { try decode(text) }
    }

    @Test("a placeholder pointing past the attachments is refused")
    func placeholderOutOfRange() throws {
        var decoder = PacketDecoder(limits: PacketLimits())
        _ = try decoder.decode(text: #"51-["a",{"_placeholder":true,"num":3}]"#)
        #expect(throws: SocketProtocolError.self) { try decoder.decode(binary: [1]) }
    }

    @Test("a text packet while attachments are pending is refused")
    func textDuringAttachments() throws {
        var decoder = PacketDecoder(limits: PacketLimits())
        _ = try decoder.decode(text: #"51-["a",{"_placeholder":true,"num":0}]"#)
        #expect(throws: SocketProtocolError.self) { try decoder.decode(text: #"2["b"]"#) }
    }

    @Test("deeply nested event payloads are refused")
    func deepPayload() {
        let deep = "2[\"e\"," + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "]"
        #expect(throws: SocketProtocolError.self) { try decode(deep) }
    }
}

@Suite("Engine.IO packets")
struct EnginePacketTests {
    @Test("polling payloads split on the record separator, binary as base64")
    func payloads() throws {
        let packets = try EngineCodec.decodePayload("4hello\u{1E}2\u{1E}bAQIDBA==\u{1E}6")
        #expect(packets == [.message("hello"), .ping, .binary([1, 2, 3, 4]), .noop])
        #expect(EngineCodec.encodePayload(packets) == "4hello\u{1E}2\u{1E}bAQIDBA==\u{1E}6")
        #expect(EngineCodec.encodePayload([.encodedText("42[\"x\"]"), .pong]) == "42[\"x\"]\u{1E}3")
    }

    @Test("bad frames are refused", arguments: ["", "9", "x", "b!!", "\u{1E}"])
    func badFrames(_ text: String) {
        #expect(throws: EngineDecodingError.self) { try EngineCodec.decodePayload(text) }
    }
}
