// libFuzzer target for the decoders that read untrusted bytes: the Engine.IO payload codec,
// the Socket.IO packet decoder (with binary attachments) and the JSON reader.
// Built from the module's sources by `make fuzz` (swiftc -sanitize=fuzzer,address).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPackets(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    // JSON at a small depth limit, and its writer on whatever parsed.
    if let value = try? JSONReader.parse(bytes, maxDepth: 16) {
        _ = value.jsonText
    }

    // Engine.IO polling payloads (when the bytes are text).
    if let text = String(validating: bytes, as: UTF8.self) {
        _ = try? EngineCodec.decodePayload(text)

        // Socket.IO: the first line is a text packet, each later line an attachment.
        var decoder = PacketDecoder(limits: PacketLimits())
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let first = lines.first, let packet = try? decoder.decode(text: String(first)) {
            _ = PacketEncoder.encode(packet)
        }
        for line in lines.dropFirst() {
            if let packet = try? decoder.decode(binary: Array(line.utf8)) {
                _ = PacketEncoder.encode(packet)
            }
        }
    }
    return 0
}
