/// Rules for the free text parents type (titles, descriptions). Text is stored and shown as typed,
/// after trimming; it never becomes a path, so `../../etc` is a perfectly good title.
public enum TextRules {
    public static let maxTitleLength = 200
    public static let maxDescriptionLength = 2000

    /// A title: trimmed, not empty, at most `maxTitleLength` characters, no control characters.
    public static func title(_ raw: String, field: String = "title") throws(BoxError) -> String {
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty else { throw .validation(field: field, "\(field) must not be empty.") }
        guard text.count <= maxTitleLength else {
            throw .validation(field: field, "\(field) is \(text.count) characters; the limit is \(maxTitleLength).")
        }
        guard !text.unicodeScalars.contains(where: isForbiddenControl) else {
            throw .validation(field: field, "\(field) must not contain control characters.")
        }
        return text
    }

    /// A description: trimmed, may be empty, may contain line breaks and tabs.
    public static func description(_ raw: String, field: String = "description") throws(BoxError) -> String {
        let text = raw.trimmingWhitespace()
        guard text.count <= maxDescriptionLength else {
            throw .validation(field: field, "\(field) is \(text.count) characters; the limit is \(maxDescriptionLength).")
        }
        let allowed: Set<Unicode.Scalar> = ["\n", "\t", "\r"]
        guard !text.unicodeScalars.contains(where: { isForbiddenControl($0) && !allowed.contains($0) }) else {
            throw .validation(field: field, "\(field) must not contain control characters.")
        }
        return text
    }

    private static func isForbiddenControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control
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
