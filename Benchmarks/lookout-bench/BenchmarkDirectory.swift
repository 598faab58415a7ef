import FoundationEssentials

/// A private scratch directory under the system's temporary directory, removed by `remove()`.
struct BenchmarkDirectory {
    /// The directory's path.
    let path: String

    /// Creates `<tmp>/<prefix>-<random>`.
    init(prefix: String) throws {
        path = FileManager.default.temporaryDirectory.path + "/\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    func file(_ name: String) -> String { path + "/" + name }

    /// Deletes the directory and everything in it.
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
