namespace AgentBus.Protocol.Tests;

/// <summary>
/// Messages encoded by the protobuf code shipped in the rocketmq-client-nodejs 1.0.8 npm package,
/// as base64. Produced by Fixtures/make-fixtures.js (its header says how to run it); the values
/// each one carries are listed in that script and asserted in NodeClientFixtureTests.
/// </summary>
internal static class NodeClientFixtures
{
    public const string SyncLiteSubscriptionComplete = "CAISEwoDbnMxEgxwYXJlbnQtdG9waWMaDBIKbGl0ZS1ncm91cCIGY2hhdC0xIgZjaGF0LTIoKjICGAo=";

    public const string SyncLiteSubscriptionPartialAddLast = "Eg4SDHBhcmVudC10b3BpYxoMEgpsaXRlLWdyb3VwIgZjaGF0LTkyAggA";

    public const string AckLite = "CgwSCmxpdGUtZ3JvdXASDhIMcGFyZW50LXRvcGljGhQKBDAxQUISBHJoLTEaBmNoYXQtMQ==";

    public const string ChangeInvisibleLiteSuspend = "CgwSCmxpdGUtZ3JvdXASDhIMcGFyZW50LXRvcGljGgRyaC0yIggIBRCAyrXuASoEMDFDRDIGY2hhdC0yOAE=";

    public const string ForwardToDlqLite = "CgwSCmxpdGUtZ3JvdXASDhIMcGFyZW50LXRvcGljGgRyaC0zIgQwMUVGKAMwEDoGY2hhdC0z";

    public const string SendLiteMessage = "Ck4KDhIMcGFyZW50LXRvcGljEgYKAWsSAXYaLRoGMDFMSVRFKAEwBToLCIDiz6oGEMCp0zpCBmhvc3QtYaoBBmNoYXQtMbABByIFaGVsbG8=";

    public const string TelemetryLiteSettings = "ElIIBSICCAMyNAoMEgpsaXRlLWdyb3VwEhcKDhIMcGFyZW50LXRvcGljEgUIARIBKhgBICAqAggeMLAJOEA6FAgIEgUxLjAuOBoFbGludXgiAmgx";

    public const string TelemetryNotifyUnsubscribeLite = "CggIoJwBEgJPS0oICgZjaGF0LTQ=";

    public const string SyncLiteQuotaExceededResponse = "CgsIls8CEgVxdW90YQ==";

    public const string HeartbeatLiteSimple = "CgwSCmxpdGUtZ3JvdXAQBg==";
}
