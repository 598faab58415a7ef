/// The fields of the operators' device registry (`devices.csv`), declared once: the registry column, the name
/// rules read it by, its type, whether it is the resident's personal data, the label staff see, and where an
/// event keeps it. CSV loading, the rule checker and evaluator, the event's location and its snapshot, the
/// simulator's registry and `lookout show` read this table, so a new field is one line here plus its storage
/// (the packed `DeviceRecord`, `EventLocation` and the columns that hold it).
public enum RegistryField: Int, CaseIterable, Sendable {
    case id, kind, community, building, unit, address, grid, owner, latitude, longitude, reportInterval
    case residentName, residentPhone, livesAlone, emergencyContact, emergencyPhone, residentID

    /// What a field's values are.
    public enum ValueType: Sendable {
        /// Free text (empty: not given).
        case text
        /// A number (`device.report_interval` in seconds, `device.latitude` in degrees).
        case number
        /// Yes or no.
        case bool
    }

    /// The declaration of one field (a class: reading it on a hot path, a raise or a snapshot, is one reference,
    /// not a copy of its texts).
    public final class Spec: Sendable {
        /// The registry CSV header (lower case).
        public let column: String
        /// `device.x` or `resident.x` in rules; nil when rules cannot read the field.
        public let ruleName: String?
        /// The value's type (for rules: the checker's static type).
        public let type: ValueType
        /// Whether it is the resident's personal data: never shown on a group event, which concerns several
        /// devices (and so several people).
        public let isPersonal: Bool
        /// The label staff see in `lookout show` (fields with one label share a line).
        public let label: String
        /// The member of the event's location (`EventLocation`, its snapshot JSON) that keeps the value when an
        /// event is raised; nil when the event does not copy it.
        public let locationKey: String?
        /// For a decimal number: the values it may take. A registry value outside (or not a number) is a warning,
        /// and the device is kept without it.
        public let range: ClosedRange<Double>?

        fileprivate init(_ column: String, rule: String?, _ type: ValueType, personal: Bool = false, label: String,
                         location: String? = nil, range: ClosedRange<Double>? = nil) {
            self.column = column
            ruleName = rule
            self.type = type
            isPersonal = personal
            self.label = label
            locationKey = location
            self.range = range
        }
    }

    /// The field's declaration.
    public var spec: Spec { Self.specs[rawValue] }

    /// The declarations by `rawValue`, made once.
    private static let specs: [Spec] = allCases.map(\.declaration)

    /// The table.
    private var declaration: Spec {
        switch self {
        case .id: Spec("id", rule: "device.id", .text, label: "Device")
        case .kind: Spec("kind", rule: "device.kind", .text, label: "Kind")
        case .community: Spec("community", rule: "device.community", .text, label: "Place", location: "community")
        case .building: Spec("building", rule: "device.building", .text, label: "Place", location: "building")
        case .unit: Spec("unit", rule: "device.unit", .text, label: "Place", location: "unit")
        case .address: Spec("address", rule: "device.address", .text, label: "Address", location: "address")
        case .grid: Spec("grid", rule: "device.grid", .text, label: "Grid", location: "grid")
        case .owner: Spec("owner", rule: "device.owner", .text, label: "Owner", location: "owner")
        case .latitude: Spec("latitude", rule: "device.latitude", .number, label: "Latitude", location: "latitude", range: -90...90)
        case .longitude: Spec("longitude", rule: "device.longitude", .number, label: "Longitude", location: "longitude", range: -180...180)
        case .reportInterval: Spec("report_interval_s", rule: "device.report_interval", .number, label: "Report interval")
        case .residentName: Spec("resident_name", rule: "resident.name", .text, personal: true, label: "Resident", location: "residentName")
        case .residentPhone: Spec("resident_phone", rule: "resident.phone", .text, personal: true, label: "Resident", location: "residentPhone")
        case .livesAlone: Spec("lives_alone", rule: "resident.lives_alone", .bool, personal: true, label: "Lives alone")
        case .emergencyContact: Spec("emergency_contact", rule: "resident.emergency_contact", .text, personal: true, label: "Emergency",
                                     location: "emergencyContact")
        case .emergencyPhone: Spec("emergency_phone", rule: nil, .text, personal: true, label: "Emergency")
        case .residentID: Spec("resident_id", rule: "resident.id", .text, personal: true, label: "Resident id")
        }
    }

    /// The registry CSV header.
    public var column: String { spec.column }

    /// The field of a registry column (lower case), nil for a column of the operator's own (`device.<column>`).
    public init?(column: String) {
        guard let field = Self.byColumn[column] else { return nil }
        self = field
    }

    /// The field rules read as `root.name` (`device.grid`, `resident.phone`), nil when there is none.
    public init?(rule root: String, _ name: String) {
        guard let field = Self.byRuleName["\(root).\(name)"] else { return nil }
        self = field
    }

    /// The fields rules read under `root` (`device`, `resident`), by the name after the dot.
    public static func ruleFields(under root: String) -> [String: RegistryField] {
        let prefix = root + "."
        var fields: [String: RegistryField] = [:]
        for field in allCases {
            if let name = field.spec.ruleName, name.hasPrefix(prefix) { fields[String(name.dropFirst(prefix.count))] = field }
        }
        return fields
    }

    private static let byColumn = Dictionary(uniqueKeysWithValues: allCases.map { ($0.column, $0) })
    private static let byRuleName = Dictionary(uniqueKeysWithValues: allCases.compactMap { field in field.spec.ruleName.map { ($0, field) } })
}
