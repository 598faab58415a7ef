/// Shares equal values between the records of one registry while it is built: one shared-fields object per
/// distinct combination of kind, community, building, unit, grid, owner, report interval, lives alone, resident
/// id and extra columns. (Texts that differ from device to device are not interned: sharing the addresses of flats
/// saved about 40 bytes per device at 1,000,000 devices but cost about 1.5 s of start-up.)
struct DeviceRecordInterner {
    private var sharedFields: Set<DeviceRecordSharedFields> = []
    /// Objects made by `shared(encoded:make:)`, by the hash of their encoding, with the encoding.
    private var sharedByEncoding: [Int: [(encoding: [UInt8], fields: DeviceRecordSharedFields)]] = [:]

    /// The object equal to `fields` seen first.
    mutating func shared(_ fields: DeviceRecordSharedFields) -> DeviceRecordSharedFields {
        sharedFields.insert(fields).memberAfterInsert
    }

    /// The object made for the same `encoding` before (the shared fields' bytes, each field's end marked by a
    /// byte that UTF-8 never uses), or the one `make` makes now: a row's shared fields are found without
    /// making a String of them (loading a registry).
    mutating func shared(encoded encoding: [UInt8], make: () -> DeviceRecordSharedFields) -> DeviceRecordSharedFields {
        var hasher = Hasher()
        encoding.withUnsafeBytes { hasher.combine(bytes: $0) }
        let hash = hasher.finalize()
        if let candidates = sharedByEncoding[hash], let known = candidates.first(where: { $0.encoding == encoding }) {
            return known.fields
        }
        let fields = make()
        sharedByEncoding[hash, default: []].append((encoding, fields))
        return fields
    }
}

extension String {
    /// Feeds the text's UTF-8 bytes to `hasher` (no Unicode normalisation, unlike `hash(into:)`).
    func hashUTF8(into hasher: inout Hasher) {
        var text = self
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Whether both texts have exactly the same UTF-8 bytes (no Unicode normalisation, unlike `==`).
    func hasSameUTF8(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        var lhs = self, rhs = other
        return lhs.withUTF8 { a in rhs.withUTF8 { b in a.elementsEqual(b) } }
    }
}
