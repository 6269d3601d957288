import Foundation

/// systemd's notification socket (`$NOTIFY_SOCKET`, see sd_notify(3)): a Unix datagram socket,
/// by path or, when the name starts with `@`, in the abstract namespace. Without the variable
/// (not started by systemd) there is nothing to tell and every send is a no-op.
public struct NotifySocket: Sendable {
    let address: String

    public init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let address = environment["NOTIFY_SOCKET"], !address.isEmpty, address.utf8.count < 108 else { return nil }
        self.address = address
    }

    /// Sends `KEY=value` lines in one datagram; false when it could not be sent (logged by the caller).
    @discardableResult
    public func send(_ lines: [String]) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var target = sockaddr_un()
        target.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }  // abstract namespace
        let length = withUnsafeMutableBytes(of: &target.sun_path) { path -> Int in
            path.copyBytes(from: bytes.prefix(path.count))
            return MemoryLayout<sa_family_t>.size + min(bytes.count, path.count)
        }
        let message = Array(lines.joined(separator: "\n").utf8)
        let sent = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                message.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), address, socklen_t(length)) }
            }
        }
        return sent == message.count
    }
}
