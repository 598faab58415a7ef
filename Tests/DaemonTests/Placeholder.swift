import Testing

@Test func placeholder_DaemonTests() {}
