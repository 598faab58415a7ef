@testable import Daemon
import EventCore
import Foundation
import StaffAPI
import Testing

/// Issue 16: the staff directory (who may use the staff API, with which role and teams), its diagnostics, the
/// `[api]` settings, and who may do what.
@Suite struct StaffDirectoryTests {
    @Test func membersAreParsedWithRoleTeamsAndPhone() throws {
        let directory = try StaffDirectory.parse("""
            # staff
            [user alice]
            name = Alice Zhang
            role = staff
            teams = fire, grid-03
            phone = "+86 138 0000 0001"

            [user ops]
            role = ADMIN
            """, path: "/etc/lookout/staff.conf")
        #expect(directory.count == 2)
        #expect(directory.member("alice") == StaffMember(user: "alice", displayName: "Alice Zhang", role: .staff,
                                                         teams: ["fire", "grid-03"], phone: "+86 138 0000 0001"))
        #expect(directory.member("ops")?.role == .admin)
        #expect(directory.member("bob") == nil)
    }

    @Test func everyErrorIsReportedWithItsLine() throws {
        let text = """
            role = staff
            [user alice]
            role = chief
            teams = fire, no good
            colour = blue
            [user alice]
            [group x]
            [user bob]
            name = Bob
            [user -x]
            """
        let error = try #require(throws: ConfigurationError.self) { try StaffDirectory.parse(text, path: "staff.conf") }
        let lines = error.description.split(separator: "\n").map(String.init)
        #expect(lines == [
            "staff.conf:1: error: 'role' is outside of a [user LOGIN] section",
            "staff.conf:3: error: role must be one of viewer, staff, supervisor, admin, not 'chief'",
            "staff.conf:4: error: 'no good' is not a valid team name (letters, digits, - _ .)",
            "staff.conf:5: error: unknown key 'colour' for user alice; known: name, phone, role, teams",
            "staff.conf:6: error: user 'alice' is listed twice (first on line 2)",
            "staff.conf:7: error: unknown section [group x]; expected [user LOGIN]",
            "staff.conf:8: error: user bob needs a role (viewer, staff, supervisor or admin)",
            "staff.conf:10: error: '-x' is not a login name (letters, digits, - _ . only, at most 32)",
        ], "\(error.description)")
    }

    @Test func aMissingFileIsAnEmptyDirectory() throws {
        let (directory, missing) = try StaffDirectory.loadIfPresent(path: "/nonexistent/staff.conf")
        #expect(missing && directory.count == 0 && directory.sourcePath == "/nonexistent/staff.conf")
    }

    @Test func apiSettings() throws {
        let defaults = try DaemonConfiguration.parse("[log]\nlevel = info\n", path: "/etc/lookout/lookoutd.conf")
        #expect(defaults.apiSocketPath == "/run/lookout/api.sock")
        #expect(defaults.staffDirectoryPath == "/etc/lookout/staff.conf")
        let set = try DaemonConfiguration.parse("[api]\nsocket = run/api.sock\nstaff = people.conf\n", path: "/etc/lookout/lookoutd.conf")
        #expect(set.apiSocketPath == "/etc/lookout/run/api.sock")
        #expect(set.staffDirectoryPath == "/etc/lookout/people.conf")
        #expect(try DaemonConfiguration.parse("[api]\nsocket = none\n", path: "x.conf").apiSocketPath == nil)
        let long = "/" + String(repeating: "s", count: 120)
        let error = try #require(throws: ConfigurationError.self) { try DaemonConfiguration.parse("[api]\nsocket = \(long)\n", path: "x.conf") }
        #expect(error.description.contains("x.conf:2: error: socket path") && error.description.contains("too long"))
    }

    @Test func rolesNeededFollowTeamsAndPolicy() {
        let alice = StaffMember(user: "alice", role: .staff, teams: ["fire"])
        func needed(_ operation: APIOperation, teams: [String]? = nil, team: String? = nil, force: Bool = false) -> StaffRole {
            StaffAccess.requiredRole(operation, member: alice, eventTeams: teams, team: team, force: force)
        }
        #expect(needed(.acknowledge, teams: ["fire", "police"]) == .staff)
        #expect(needed(.acknowledge, teams: ["police"]) == .supervisor)
        #expect(needed(.resolve, teams: []) == .staff, "an event of no team (a manual report) is any staff member's")
        #expect(needed(.reportIn, team: "fire") == .staff)
        #expect(needed(.reportIn, team: "police") == .supervisor)
        #expect(needed(.silenceAdd) == .supervisor)
        #expect(needed(.silenceAdd, force: true) == .admin)
        #expect(needed(.awayAdd) == .supervisor)
        #expect(StaffRole.viewer < .staff && .staff < .supervisor && .supervisor < .admin)
    }
}
