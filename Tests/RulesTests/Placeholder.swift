import Testing

@Test func placeholder_RulesTests() {}
