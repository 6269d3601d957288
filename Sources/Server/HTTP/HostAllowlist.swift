import Foundation
import NIOCore
import Synchronization

/// The names the box answers to: `localhost` and the loopback addresses, its host name and
/// `<name>.local` (mDNS), the addresses of its own network interfaces, and what the parents add
/// in `server.allowed_hosts`. A `Host` outside the list is a page of another site reaching the
/// box through a rebound DNS name, and is refused.
///
/// Interface addresses change (DHCP, a second network), so an IP literal not in the list makes
/// it read them again, at most once every two seconds.
public final class HostAllowlist: Sendable {
    private let names: Set<String>
    private let readAddresses: @Sendable () -> Set<String>
    private let addresses: Mutex<(known: Set<String>, readAt: ContinuousClock.Instant)>

    public init(
        configured: [String], hostName: String = HostAllowlist.machineName(),
        readAddresses: @escaping @Sendable () -> Set<String> = HostAllowlist.interfaceAddresses
    ) {
        var names: Set<String> = ["localhost", "127.0.0.1", "::1"]
        let host = Self.name(of: hostName)
        if !host.isEmpty {
            names.insert(host)
            let short = host.split(separator: ".").first.map(String.init) ?? host
            names.insert(short)
            names.insert(short + ".local")
        }
        for name in configured.map(Self.name(of:)) where !name.isEmpty { names.insert(name) }
        self.names = names
        self.readAddresses = readAddresses
        addresses = Mutex((readAddresses(), .now))
    }

    /// Whether a request with this `Host` (with or without a port) is for the box. A request
    /// without one (HTTP/1.0 tools) is: browsers always send it.
    public func allows(_ host: String?) -> Bool {
        guard let host else { return true }
        let name = Self.name(of: host)
        if names.contains(name) { return true }
        guard Self.isAddress(name) else { return false }
        return addresses.withLock { cache in
            if cache.known.contains(name) { return true }
            guard ContinuousClock.now - cache.readAt > .seconds(2) else { return false }
            cache = (readAddresses(), .now)
            return cache.known.contains(name)
        }
    }

    /// `gethostname(2)`: the name avahi announces as `<name>.local` (no DNS lookup, unlike Foundation's `hostName`).
    public static func machineName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The host part of a `Host` header, lowercased, without port, brackets or a final dot.
    public static func name(of host: String) -> String {
        var text = host.trimmingCharacters(in: .whitespaces).lowercased()
        if text.hasPrefix("[") {
            guard let end = text.firstIndex(of: "]") else { return text }
            return String(text[text.index(after: text.startIndex)..<end])
        }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") { text = String(text[..<colon]) }
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static func isAddress(_ name: String) -> Bool {
        (try? SocketAddress(ipAddress: name, port: 0)) != nil
    }

    /// The IPv4 and IPv6 addresses of this machine's interfaces.
    @Sendable public static func interfaceAddresses() -> Set<String> {
        let devices = (try? System.enumerateDevices()) ?? []
        return Set(devices.compactMap { $0.address?.ipAddress.map { name(of: $0) } })
    }
}
