import Foundation

/// The one place for what a name may be, whether a client typed it (refused when it breaks a
/// rule) or a file's tags or a browser's user agent brought it (cleaned and cut, never refused):
///
/// - Unicode NFC, so "é" typed two ways is one title;
/// - no control characters, no invisible format characters (bidi overrides and isolates such as
///   U+202E, zero-width spaces, the BOM), no line or paragraph separators: they forge log lines and
///   make a title read differently from what it is (a zero-width joiner stays between two emoji,
///   where it makes one picture of them);
/// - trimmed, and at most ``maxTitleLength`` characters for a title (a 16 MB tag would otherwise be
///   stored, sent to every phone and kept in memory).
public enum TextRules {
    public static let maxTitleLength = 200
    public static let maxDescriptionLength = 2000
    /// A parent login's device name.
    public static let maxLabelLength = 80
    /// Bytes read of one tag from a file before anything else looks at it.
    public static let maxTagBytes = 4096

    /// A title: normalized, trimmed, not empty, at most `maxTitleLength` characters, nothing invisible.
    public static func title(_ raw: String, field: String = "title") throws(BoxError) -> String {
        let text = normalized(raw).trimmingWhitespace()
        guard !text.isEmpty else { throw .validation(field: field, "\(field) must not be empty.") }
        guard text.count <= maxTitleLength else {
            throw .validation(field: field, "\(field) is \(text.count) characters; the limit is \(maxTitleLength).")
        }
        try refuseInvisible(text, field: field)
        return text
    }

    /// A description: like a title, but it may be empty and may contain line breaks and tabs.
    public static func description(_ raw: String, field: String = "description") throws(BoxError) -> String {
        let text = normalized(raw).trimmingWhitespace()
        guard text.count <= maxDescriptionLength else {
            throw .validation(field: field, "\(field) is \(text.count) characters; the limit is \(maxDescriptionLength).")
        }
        try refuseInvisible(text, field: field, allowing: ["\n", "\t", "\r"])
        return text
    }

    /// Text nobody typed for the box (a file's tags, a user agent): normalized, with what is not
    /// allowed removed, every run of white space made one space, and cut to `limit` characters.
    /// nil when nothing is left.
    public static func cleaned(_ raw: String, limit: Int = maxTitleLength) -> (text: String, truncated: Bool)? {
        var kept = String.UnicodeScalarView()
        var lastWasSpace = true
        let scalars = Array(normalized(raw).unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            if scalar.properties.isWhitespace || scalar.properties.generalCategory == .lineSeparator
                || scalar.properties.generalCategory == .paragraphSeparator || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                if !lastWasSpace { kept.append(" ") }
                lastWasSpace = true
                continue
            }
            if isInvisible(scalars, at: index) { continue }
            kept.append(scalar)
            lastWasSpace = false
        }
        var text = String(kept).trimmingWhitespace()
        guard !text.isEmpty else { return nil }
        let truncated = text.count > limit
        if truncated { text = String(text.prefix(limit)).trimmingWhitespace() }
        return (text, truncated)
    }

    /// NFC (canonical composition).
    public static func normalized(_ text: String) -> String { text.precomposedStringWithCanonicalMapping }

    private static func refuseInvisible(_ text: String, field: String, allowing allowed: Set<Unicode.Scalar> = []) throws(BoxError) {
        let scalars = Array(text.unicodeScalars)
        for index in scalars.indices where !allowed.contains(scalars[index]) && isInvisible(scalars, at: index) {
            let code = String(scalars[index].value, radix: 16, uppercase: true)
            throw .validation(field: field, "\(field) must not contain control or invisible characters (U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code)).")
        }
    }

    /// Whether the scalar at `index` is one a name may not hold.
    static func isInvisible(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        let scalar = scalars[index]
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator, .surrogate:
            return true
        case .format:
            // A zero-width joiner between two pictographs joins them into one emoji (a family).
            guard scalar == "\u{200D}", index > 0, index + 1 < scalars.count else { return true }
            let before = scalars[index - 1], after = scalars[index + 1]
            let joinable = { (s: Unicode.Scalar) in s.properties.isEmoji || s == "\u{FE0F}" }
            return !(joinable(before) && after.properties.isEmoji)
        default:
            return scalar.properties.isNoncharacterCodePoint
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
