import Foundation

/// Where the web UI's files are. They ship beside the binary as SwiftPM's resource folder
/// (`musicboxd_WebUI.resources/site`), or under `share/musicboxd/web` of an installed prefix;
/// a configured folder wins, so a hobbyist can serve an edited copy without rebuilding.
public enum WebUISite {
    /// The name SwiftPM gives the resource folder of this target, next to the executable.
    static let bundleName = "musicboxd_WebUI.resources"

    /// The first folder holding an `index.html`: the configured one (which must, or it is an
    /// error the caller reports), then beside the executable, then the installed share folder.
    public static func locate(configured: String?, executable: URL? = executableURL()) -> Result<URL, LookupError> {
        if let configured, !configured.isEmpty {
            let folder = URL(fileURLWithPath: configured, isDirectory: true)
            return hasIndex(folder) ? .success(folder) : .failure(LookupError(searched: [folder.path]))
        }
        var searched: [String] = []
        if let directory = executable?.deletingLastPathComponent() {
            let candidates = [
                directory.appendingPathComponent(bundleName).appendingPathComponent("site"),
                directory.deletingLastPathComponent().appendingPathComponent("share/musicboxd/web"),
            ]
            for folder in candidates {
                if hasIndex(folder) { return .success(folder) }
                searched.append(folder.path)
            }
        }
        return .failure(LookupError(searched: searched))
    }

    /// The running binary, with symbolic links resolved (`/usr/bin/musicboxd` may point elsewhere).
    public static func executableURL() -> URL? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return URL(fileURLWithPath: path)
    }

    static func hasIndex(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("index.html").path)
    }

    public struct LookupError: Error, CustomStringConvertible {
        public var searched: [String]
        public var description: String {
            "no index.html in " + (searched.isEmpty ? "any folder" : searched.joined(separator: ", "))
        }
    }
}
