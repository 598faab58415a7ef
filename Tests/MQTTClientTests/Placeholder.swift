import Testing

@Test func placeholder_MQTTClientTests() {}
