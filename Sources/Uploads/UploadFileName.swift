import MusicBoxCore

/// Checks the name a parent's file had. It is only ever shown (tracks are stored under their id),
/// but a name that could be a path, hides control characters or is absurdly long is refused all the
/// same, with a message saying what is wrong with it.
public enum UploadFileName {
    /// Longest name in UTF-8 bytes: what Linux file systems allow for one name.
    public static let maximumBytes = 255

    /// The extension (lowercase) of an acceptable name, or a `validation_error` / `unsupported_format`.
    public static func check(_ name: String, allowedExtensions: Set<String>) throws(BoxError) -> String {
        func refuse(_ message: String, _ reason: String) -> BoxError {
            BoxError(.validationError, message, details: ["field": "filename", "reason": reason])
        }
        guard !name.isEmpty else { throw refuse("filename must not be empty.", "empty") }
        guard name.utf8.count <= maximumBytes else {
            throw refuse("filename is \(name.utf8.count) bytes long; at most \(maximumBytes) are allowed.", "too_long")
        }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw refuse("filename must not contain control characters (such as NUL or a line break).", "control_character")
        }
        if name.contains("/") || name.contains("\\") {
            throw refuse("filename must be a plain file name, not a path (no / or \\).", "path")
        }
        if name.hasPrefix(".") {
            throw refuse("filename must not start with a dot.", "hidden")
        }
        guard let dot = name.lastIndex(of: "."), name.index(after: dot) < name.endIndex else {
            throw BoxError(
                .unsupportedFormat, "\(name) has no file extension; the box takes \(list(allowedExtensions)) files.",
                details: ["field": "filename", "reason": "extension"]
            )
        }
        let ext = name[name.index(after: dot)...].lowercased()
        guard allowedExtensions.contains(ext) else {
            throw BoxError(
                .unsupportedFormat, "\(ext) files are not accepted; the box takes \(list(allowedExtensions)) files.",
                details: ["field": "filename", "reason": "extension", "extension": ext]
            )
        }
        return ext
    }

    /// The name without its extension: the title of a file whose tags have none.
    public static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    private static func list(_ extensions: Set<String>) -> String {
        extensions.sorted().joined(separator: ", ")
    }
}
