import EventCore
import TerminalText

extension EventText {
    /// The word shown for a cause (the JSON, the CSV and `--cause` keep the English key).
    static func causeWord(_ cause: EventCause) -> String {
        switch cause {
        case .real: return tr("real")
        case .nuisance: return tr("nuisance")
        case .falseAlarm: return tr("false alarm")
        case .test: return tr("test")
        case .prank: return tr("prank")
        case .errand: return tr("errand")
        case .cancelledByResident: return tr("cancelled by resident")
        }
    }
}
