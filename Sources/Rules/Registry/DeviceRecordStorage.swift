/// The fields of a `DeviceRecord` as plain values (building and changing records).
struct DeviceRecordFields: Equatable {
    var id: String
    var kind = ""
    var community = ""
    var building = ""
    var unit = ""
    var address = ""
    var grid = ""
    var owner = ""
    var reportIntervalSeconds: Int64?
    var residentName = ""
    var residentPhone = ""
    var livesAlone: Bool?
    var emergencyContact = ""
    var emergencyPhone = ""
    var extra: [String: String] = [:]
    var residentID = ""
    var latitude: Double?
    var longitude: Double?
}

/// What one record holds for itself: the texts that differ from device to device, and its shared fields.
final class DeviceRecordStorage: Sendable, Equatable {
    let id: String
    let address: String
    let residentName: String
    let residentPhone: String
    let emergencyContact: String
    let emergencyPhone: String
    /// Decimal degrees; NaN when the registry gives none (16 bytes, where two optionals would take 32).
    let latitude: Double
    let longitude: Double
    let shared: DeviceRecordSharedFields

    init(id: String, address: String, residentName: String, residentPhone: String, emergencyContact: String,
         emergencyPhone: String = "", latitude: Double? = nil, longitude: Double? = nil, shared: DeviceRecordSharedFields) {
        self.id = id
        self.address = address
        self.residentName = residentName
        self.residentPhone = residentPhone
        self.emergencyContact = emergencyContact
        self.emergencyPhone = emergencyPhone
        self.latitude = latitude ?? .nan
        self.longitude = longitude ?? .nan
        self.shared = shared
    }

    static func == (lhs: DeviceRecordStorage, rhs: DeviceRecordStorage) -> Bool {
        lhs.id == rhs.id && lhs.address == rhs.address && lhs.residentName == rhs.residentName
            && lhs.residentPhone == rhs.residentPhone && lhs.emergencyContact == rhs.emergencyContact
            && lhs.emergencyPhone == rhs.emergencyPhone
            && lhs.latitude.bitPattern == rhs.latitude.bitPattern && lhs.longitude.bitPattern == rhs.longitude.bitPattern
            && (lhs.shared === rhs.shared || lhs.shared == rhs.shared)
    }
}

/// Fields that a handful of values cover across a whole registry; one object per distinct combination.
final class DeviceRecordSharedFields: Sendable, Hashable {
    let kind: String
    let community: String
    let building: String
    let unit: String
    let grid: String
    let owner: String
    let reportIntervalSeconds: Int64?
    let livesAlone: Bool?
    let extra: [String: String]
    /// The resident id: here rather than per record, so that the many devices without one pay nothing for it
    /// (only a resident's two or three devices share such an object).
    let residentID: String

    init(kind: String, community: String, building: String, unit: String, grid: String, owner: String,
         reportIntervalSeconds: Int64?, livesAlone: Bool?, extra: [String: String], residentID: String = "") {
        self.kind = kind
        self.community = community
        self.building = building
        self.unit = unit
        self.grid = grid
        self.owner = owner
        self.reportIntervalSeconds = reportIntervalSeconds
        self.livesAlone = livesAlone
        self.extra = extra
        self.residentID = residentID
    }

    /// Equal when every field has the same UTF-8 bytes (interning wants exact copies, and comparing bytes
    /// avoids the Unicode normalisation of `String ==` for the Chinese texts registries hold).
    static func == (lhs: DeviceRecordSharedFields, rhs: DeviceRecordSharedFields) -> Bool {
        lhs.kind.hasSameUTF8(as: rhs.kind) && lhs.community.hasSameUTF8(as: rhs.community)
            && lhs.building.hasSameUTF8(as: rhs.building) && lhs.unit.hasSameUTF8(as: rhs.unit)
            && lhs.grid.hasSameUTF8(as: rhs.grid) && lhs.owner.hasSameUTF8(as: rhs.owner)
            && lhs.reportIntervalSeconds == rhs.reportIntervalSeconds && lhs.livesAlone == rhs.livesAlone && lhs.extra == rhs.extra
            && lhs.residentID.hasSameUTF8(as: rhs.residentID)
    }

    func hash(into hasher: inout Hasher) {
        for text in [kind, community, building, unit, grid, owner, residentID] {
            text.hashUTF8(into: &hasher)
            hasher.combine(0xFF as UInt8)
        }
        hasher.combine(reportIntervalSeconds)
        hasher.combine(livesAlone)
        hasher.combine(extra.count)
    }
}
