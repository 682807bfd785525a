using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace AgentBus.Server.Tests;

/// <summary>AddAgentBusBroker refuses what the binder would ignore: unknown keys, and listen URLs the broker cannot serve.</summary>
public sealed class ConfigurationCheckTests
{
    [Theory]
    [InlineData("Server:Prot", "1234", "Did you mean 'Server:Port'?")]
    [InlineData("Server:Tls:CertificatPath", "/x.pfx", "Did you mean 'Server:Tls:CertificatePath'?")]
    [InlineData("Server:Auth:Users:0:SecretKy", "s", "Did you mean 'Server:Auth:Users:0:SecretKey'?")]
    [InlineData("Server:Reflection", "false", "Did you mean 'Server:EnableReflection'?")]
    [InlineData("Broker:FlushMod", "Sync", "Did you mean 'Broker:FlushMode'?")]
    [InlineData("Server:Telemetry:Otlp:Endpont", "http://127.0.0.1:4318", "Did you mean 'Server:Telemetry:Otlp:Endpoint'?")]
    [InlineData("Server:Telemetry:Otpl", "x", "Did you mean 'Server:Telemetry:Otlp'?")]
    [InlineData("Broker:Topics:0:Nme", "agents", "Did you mean 'Broker:Topics:0:Name'?")]
    [InlineData("Broker:Groups:0:Bind", "agents", "Did you mean 'Broker:Groups:0:BindTopic'?")]
    public void An_unknown_key_is_refused_with_its_name_and_the_likely_one(string key, string value, string hint)
    {
        var error = Assert.Throws<ArgumentException>(() => Add(new() { [key] = value }));

        Assert.StartsWith($"Unknown configuration key '{key}'.", error.Message, StringComparison.Ordinal);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void The_message_lists_the_keys_known_beside_the_unknown_one()
    {
        var error = Assert.Throws<ArgumentException>(() => Add(new() { ["Server:Tls:Whatever"] = "1" }));

        Assert.EndsWith("Known keys under 'Server:Tls': CertificatePath, KeyPath, CertificatePassword.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Server:Tls:Certificate")] // an X509Certificate2, set in code only
    [InlineData("Server:Tls:Enabled")] // computed from the certificate settings
    public void A_setting_only_code_can_make_is_no_configuration_key(string key)
    {
        var error = Assert.Throws<ArgumentException>(() => Add(new() { [key] = "x" }));

        Assert.StartsWith($"Unknown configuration key '{key}'.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_written_without_indexes_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => Add(new() { ["Broker:Topics:Name"] = "agents" }));

        Assert.Contains("'Broker:Topics:Name' is not a list index", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_documented_key_is_accepted_in_any_case()
    {
        Add(new()
        {
            ["Server:Address"] = "127.0.0.1", ["server:port"] = "0", ["Server:EnableAdminService"] = "true", ["Server:EnableReflection"] = "false",
            ["Server:AdvertisedEndpoint"] = "broker:8081", ["Server:InlineScheduling"] = "false", ["Server:WaitForDataBeforeAllocatingBuffer"] = "true", ["Server:BrokerName"] = "b",
            ["Server:LongPollingTimeout"] = "00:00:10", ["Server:MaxLongPollingTimeout"] = "00:00:30", ["Server:ReceiveBatchSize"] = "8",
            ["Server:AutoRenewInvisibleDuration"] = "00:01:00", ["Server:AutoRenewAhead"] = "00:00:10", ["Server:AutoRenewInterval"] = "00:00:05",
            ["Server:MaxAutoRenewDuration"] = "01:00:00", ["Server:MaxAutoRenewEntries"] = "10", ["Server:ProducerMaxAttempts"] = "2",
            ["Server:BackoffInitial"] = "00:00:01", ["Server:BackoffMax"] = "00:00:10", ["Server:BackoffMultiplier"] = "1.5",
            ["Server:TelemetryQueueCapacity"] = "16", ["Server:MaxReceiveMessageSize"] = "1000000",
            ["Server:Auth:Enabled"] = "true", ["Server:Auth:DateTimeTolerance"] = "00:05:00",
            ["Server:Auth:Users:0:AccessKey"] = "ak", ["Server:Auth:Users:0:SecretKey"] = "sk",
            ["Server:Telemetry:Otlp:Endpoint"] = "http://127.0.0.1:4318", ["Server:Telemetry:Otlp:Protocol"] = "http/protobuf",
            ["Server:Telemetry:Otlp:ExportIntervalMs"] = "5000",
            ["Broker:DataDirectory"] = "/tmp/agentbus-unused", ["Broker:SegmentSize"] = "1048576", ["Broker:FlushMode"] = "Sync",
            ["Broker:FlushInterval"] = "00:00:01", ["Broker:AutoCreate"] = "false", ["Broker:MaxMessageBodySize"] = "1024",
            ["Broker:MaxPropertiesSize"] = "1024", ["Broker:MaxLiteTopicLength"] = "32", ["Broker:MaxLiteTopics"] = "10",
            ["Broker:MaxLiteSubscriptionsPerClient"] = "10", ["Broker:MaxLiteSubscriptionsPerBroker"] = "10", ["Broker:LiteTopicTtl"] = "00:01:00",
            ["Broker:LiteTopicExpiryInterval"] = "00:01:00", ["Broker:ExpireLiteTopicsWithBacklog"] = "true", ["Broker:ClientExpiry"] = "00:01:00",
            ["Broker:ClientScanInterval"] = "00:00:10", ["Broker:ReadySetCapacity"] = "10", ["Broker:FullDispatchDelay"] = "00:00:01",
            ["Broker:MaxReceiveBatch"] = "4", ["Broker:MinInvisibleDuration"] = "00:00:01", ["Broker:MaxInvisibleDuration"] = "01:00:00",
            ["Broker:RetentionInterval"] = "00:01:00", ["Broker:LogRetention"] = "1.00:00:00", ["Broker:OffsetCheckpointInterval"] = "00:00:05",
            ["Broker:IndexCheckpointInterval"] = "00:05:00", ["Broker:DeduplicationWindow"] = "00:01:00", ["Broker:MaxDeduplicationKeys"] = "10",
            ["Broker:Topics:0:Name"] = "agents", ["Broker:Topics:0:MessageType"] = "Lite", ["Broker:Topics:0:QueueCount"] = "1",
            ["Broker:Topics:0:LiteTopicTtl"] = "00:01:00", ["Broker:Groups:0:Name"] = "g", ["Broker:Groups:0:BindTopic"] = "agents",
            ["Broker:Groups:0:Fifo"] = "true", ["Broker:Groups:0:MaxDeliveryAttempts"] = "3", ["Broker:Groups:0:LiteMode"] = "Exclusive",
            ["Logging:Anything"] = "other sections are not the broker's",
        });
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:21", "has scheme 'ftp'")]
    [InlineData("https://127.0.0.1:9000", "is https but no certificate is configured")]
    [InlineData("127.0.0.1", "is not a listen URL")]
    public void A_listen_url_the_broker_cannot_serve_is_refused(string urls, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => Add(new() { ["urls"] = urls }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Server:Telemetry:Otlp:Protocol", "http/json", "Server:Telemetry:Otlp:Protocol must be 'grpc' or 'http/protobuf'")]
    [InlineData("Server:Telemetry:Otlp:Endpoint", "127.0.0.1:4317", "Server:Telemetry:Otlp:Endpoint must be an absolute http:// or https:// address")]
    [InlineData("Server:Telemetry:Otlp:ExportIntervalMs", "10", "Server:Telemetry:Otlp:ExportIntervalMs must be at least 100")]
    public void A_bad_otlp_setting_is_refused(string key, string value, string expected)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => Add(new() { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static void Add(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddAgentBusBroker();
    }
}
