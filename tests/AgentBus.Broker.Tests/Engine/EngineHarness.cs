using AgentBus.Broker.Clients;
using AgentBus.Broker.Consumption;
using AgentBus.Broker.Messages;
using Microsoft.Extensions.Time.Testing;

namespace AgentBus.Broker.Tests.Engine;

/// <summary>An engine on real files in a temp directory, with a fake clock, reopenable to test restarts.</summary>
public sealed class EngineHarness : IAsyncDisposable
{
    private readonly TempDirectory? _directory; // null: the directory belongs to someone else
    private readonly Action<BrokerOptions>? _configure;
    private ClientSettings _clients = ClientSettings.Default;
    private int _messageId;

    private EngineHarness(Action<BrokerOptions>? configure, string? directory = null, FakeTimeProvider? time = null)
    {
        _configure = configure;
        _directory = directory is null ? new TempDirectory() : null;
        DataDirectory = directory ?? _directory!.Path;
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    public FakeTimeProvider Time { get; }

    public BrokerEngine Engine { get; private set; } = null!;

    public string DataDirectory { get; }

    public static async Task<EngineHarness> StartAsync(Action<BrokerOptions>? configure = null)
    {
        var harness = new EngineHarness(configure);
        await harness.OpenAsync();
        return harness;
    }

    /// <summary>An engine with what a hosting server sets for its clients (admission bounds, auto-renewal).</summary>
    internal static async Task<EngineHarness> StartAsync(ClientSettings clients, Action<BrokerOptions>? configure = null)
    {
        var harness = new EngineHarness(configure) { _clients = clients };
        await harness.OpenAsync();
        return harness;
    }

    /// <summary>An engine on a data directory that someone else owns (a crash copy), on the same clock; disposing it
    /// closes the engine and leaves the directory.</summary>
    public static async Task<EngineHarness> OpenCopyAsync(string directory, FakeTimeProvider time, Action<BrokerOptions>? configure = null)
    {
        var harness = new EngineHarness(configure, directory, time);
        await harness.OpenAsync();
        return harness;
    }

    public BrokerOptions NewOptions()
    {
        var options = new BrokerOptions
        {
            DataDirectory = DataDirectory,
            SegmentSize = 1 << 20,
            // Background timers are driven by the fake clock; keep them out of the way unless a test advances time.
            LiteTopicExpiryInterval = TimeSpan.FromDays(1),
            ClientScanInterval = TimeSpan.FromDays(1),
            OffsetCheckpointInterval = TimeSpan.FromDays(1),
            RetentionInterval = TimeSpan.FromDays(1),
        };
        _configure?.Invoke(options);
        return options;
    }

    /// <summary>Everything the engine logged, across restarts.</summary>
    internal Storage.ListLoggerFactory Logs { get; } = new();

    public async Task OpenAsync() => Engine = await BrokerEngine.OpenAsync(NewOptions(), _clients, Time, Logs);

    /// <summary>Closes the engine (a clean shutdown) without opening it again, so a test can damage its files.</summary>
    public async Task StopAsync()
    {
        await Engine.DisposeAsync();
        Engine = null!;
    }

    public async Task RestartAsync()
    {
        await Engine.DisposeAsync();
        await OpenAsync();
    }

    public MessageRecord Lite(string parent, string liteTopic, string? body = null, IReadOnlyDictionary<string, string>? properties = null) => new()
    {
        Topic = parent,
        LiteTopic = liteTopic,
        MessageId = $"m{Interlocked.Increment(ref _messageId):D6}",
        Body = System.Text.Encoding.UTF8.GetBytes(body ?? $"body-{_messageId}"),
        BornTimestamp = Time.GetUtcNow().ToUnixTimeMilliseconds(),
        BornHost = "127.0.0.1",
        Properties = properties ?? MessageRecord.EmptyProperties,
    };

    public Task<SendResult> SendLiteAsync(string parent, string liteTopic, string? body = null) =>
        Engine.SendAsync(Lite(parent, liteTopic, body)).AsTask();

    public Task<IReadOnlyList<Delivery>> ReceiveAsync(string clientId, string group, string topic = "agents", int max = 32, int invisibleSeconds = 30, int longPollMs = 0) =>
        Engine.ReceiveLiteAsync(clientId, group, topic, max, TimeSpan.FromSeconds(invisibleSeconds), TimeSpan.FromMilliseconds(longPollMs)).AsTask();

    public async ValueTask DisposeAsync()
    {
        if (Engine is not null)
        {
            await Engine.DisposeAsync();
        }

        _directory?.Dispose();
    }
}

internal static class DeliveryExtensions
{
    public static string BodyText(this Delivery delivery) => System.Text.Encoding.UTF8.GetString(delivery.Message.Body.Span);
}
