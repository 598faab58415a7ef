import Testing

@Test func placeholder_EventCoreTests() {}
