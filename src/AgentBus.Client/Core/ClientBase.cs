using AgentBus.Client.Configuration;
using AgentBus.Client.Errors;
using AgentBus.Client.Logging;
using AgentBus.Client.Transport;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace AgentBus.Client.Core;

/// <summary>
/// What every producer and consumer shares: identity, the connection to the access point, the Telemetry stream
/// (settings handshake, broker commands, reconnection), heartbeats, routes and the orderly shutdown that ends with
/// <c>NotifyClientTermination</c>. Split by concern into partial files.
/// </summary>
public abstract partial class ClientBase : IAsyncDisposable, ITelemetryHandler
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RouteRefreshInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SettingsSyncInterval = TimeSpan.FromMinutes(5);

    private readonly CancellationTokenSource _lifetime = new();
    private readonly List<Task> _background = [];
    private TelemetrySession? _telemetry;
    private int _state; // 0 created, 1 starting, 2 running, 3 stopping, 4 stopped

    private protected ClientBase(ClientConfiguration configuration, ClientType clientType)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Validate();
        Configuration = configuration;
        ClientType = clientType;
        ClientId = ClientIdentity.NewClientId();
        Logger = configuration.LoggerFactory.CreateLogger(GetType());
        Time = configuration.TimeProvider;
        Invoker = new RpcInvoker(configuration, ClientId);
        Settings = new ClientSettings(RetryPolicy.Immediate(3));
    }

    /// <summary>This client's id (<c>x-mq-client-id</c>), unique per instance.</summary>
    public string ClientId { get; }

    /// <summary>The configuration the client was built with.</summary>
    public ClientConfiguration Configuration { get; }

    /// <summary>Whether the client is started and not yet closing.</summary>
    public bool IsRunning => Volatile.Read(ref _state) == 2;

    internal ClientType ClientType { get; }

    internal RpcInvoker Invoker { get; }

    internal ClientSettings Settings { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    internal TimeSpan RequestTimeout => Configuration.RequestTimeout;

    /// <summary>Cancelled when the client starts closing.</summary>
    internal CancellationToken Lifetime => _lifetime.Token;

    /// <summary>Telemetry streams opened so far (more than one after reconnections).</summary>
    internal long TelemetryStreams => _telemetry?.Streams ?? 0;

    /// <summary>
    /// Starts the client: fetches the routes of its topics, opens the Telemetry stream and waits for the broker's
    /// settings, then starts heartbeats and the client's own work.
    /// </summary>
    internal async Task StartAsync(CancellationToken ct)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("A client can be started only once.");
        }

        try
        {
            foreach (string topic in InitialTopics())
            {
                await GetRouteAsync(topic, ct).ConfigureAwait(false);
            }

            _telemetry = new TelemetrySession(Invoker, Invoker.Endpoint(), this, ClientId, Logger, Time);
            await _telemetry.StartAsync(RequestTimeout + RequestTimeout, ct).ConfigureAwait(false);
            Volatile.Write(ref _state, 2);
            _background.Add(RunPeriodicallyAsync(HeartbeatInterval, HeartbeatAsync));
            _background.Add(RunPeriodicallyAsync(RouteRefreshInterval, RefreshRoutesAsync));
            _background.Add(RunPeriodicallyAsync(SettingsSyncInterval, _ =>
            {
                _telemetry.SyncSettings();
                return Task.CompletedTask;
            }));
            await OnStartedAsync(ct).ConfigureAwait(false);
            ClientLog.ClientStarted(Logger, ClientId, ClientType.ToString(), Invoker.AccessPoint.Facade);
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Closes the client: stops its work (consumers finish or release what they hold), tells the broker it is
    /// terminating, ends the Telemetry stream and closes the connection.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        int previous = Interlocked.Exchange(ref _state, 3);
        if (previous >= 3)
        {
            return;
        }

        try
        {
            if (previous == 2)
            {
                await OnStoppingAsync().ConfigureAwait(false);
                await NotifyTerminationAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await _lifetime.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_background).ConfigureAwait(false);
            if (_telemetry is { } telemetry)
            {
                await telemetry.DisposeAsync().ConfigureAwait(false);
            }

            Invoker.Dispose();
            _lifetime.Dispose();
            Volatile.Write(ref _state, 4);
            ClientLog.ClientStopped(Logger, ClientId);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Topics whose routes are fetched at start.</summary>
    private protected abstract IEnumerable<string> InitialTopics();

    /// <summary>The consumer group, for heartbeats and termination; null for producers.</summary>
    private protected abstract string? GroupName { get; }

    /// <summary>The pub/sub part of the settings this client announces.</summary>
    private protected abstract void DescribeSettings(Settings settings);

    /// <summary>Applies the broker's settings (the common part is applied already).</summary>
    private protected abstract void ApplySettings(Settings settings);

    /// <summary>Called once the client runs.</summary>
    private protected virtual Task OnStartedAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Called first when closing a running client.</summary>
    private protected virtual Task OnStoppingAsync() => Task.CompletedTask;

    /// <summary>The Telemetry stream came back after a break.</summary>
    private protected virtual void OnTelemetryReconnected()
    {
    }

    /// <summary>The broker removed one of this client's lite subscriptions.</summary>
    private protected virtual void OnLiteUnsubscribedByBroker(string liteTopic)
    {
    }

    /// <summary>A resource in the configured namespace.</summary>
    internal Resource Resource(string name) => new() { Name = name, ResourceNamespace = Configuration.Namespace };

    /// <summary>Throws unless the client is running.</summary>
    internal void EnsureRunning()
    {
        if (!IsRunning)
        {
            throw new InvalidOperationException(Volatile.Read(ref _state) >= 3 ? "The client is closed." : "The client is not started.");
        }
    }

    Settings ITelemetryHandler.CurrentSettings()
    {
        var settings = new Settings
        {
            ClientType = ClientType,
            AccessPoint = Invoker.AccessPoint.ToProtobuf(),
            RequestTimeout = Duration.FromTimeSpan(RequestTimeout),
            UserAgent = new UA
            {
                Language = Language.DotNet,
                Version = RequestHeaders.ClientVersion,
                Platform = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                Hostname = ClientIdentity.HostName,
            },
        };
        DescribeSettings(settings);
        return settings;
    }

    void ITelemetryHandler.OnSettings(Settings settings)
    {
        if (settings.Subscription is { } subscription)
        {
            Settings.ApplySubscription(subscription);
        }

        if (settings.Publishing is { } publishing)
        {
            Settings.ApplyPublishing(publishing);
        }

        ApplySettings(settings);
    }

    void ITelemetryHandler.OnReconnected() => OnTelemetryReconnected();

    void ITelemetryHandler.OnNotifyUnsubscribeLite(string liteTopic) => OnLiteUnsubscribedByBroker(liteTopic);

    private async Task HeartbeatAsync(CancellationToken ct)
    {
        var request = new HeartbeatRequest { ClientType = ClientType };
        if (GroupName is { } group)
        {
            request.Group = Resource(group);
        }

        try
        {
            await Invoker.UnaryAsync(Invoker.Endpoint(), request, static (c, r, o) => c.HeartbeatAsync(r, o), RequestTimeout, ct,
                static r => r.Status).ConfigureAwait(false);
        }
        catch (ClientException ex)
        {
            ClientLog.HeartbeatFailed(Logger, ClientId, ex.Message);
        }
    }

    private async Task NotifyTerminationAsync()
    {
        var request = new NotifyClientTerminationRequest();
        if (GroupName is { } group)
        {
            request.Group = Resource(group);
        }

        try
        {
            await Invoker.UnaryAsync(Invoker.Endpoint(), request, static (c, r, o) => c.NotifyClientTerminationAsync(r, o), RequestTimeout, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (ClientException ex)
        {
            ClientLog.TerminationFailed(Logger, ClientId, ex.Message);
        }
    }

    /// <summary>Runs <paramref name="work"/> every <paramref name="interval"/> until the client closes.</summary>
    /// <remarks>The schedule starts at the call, not when the loop's first turn gets a thread.</remarks>
    private protected Task RunPeriodicallyAsync(TimeSpan interval, Func<CancellationToken, Task> work)
    {
        var token = _lifetime.Token;
        var timer = new PeriodicTimer(interval, Time);
        return Task.Run(async () =>
        {
            using var owned = timer;
            try
            {
                while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
                {
                    try
                    {
                        await work(token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
                    {
                        ClientLog.BackgroundFailed(Logger, ClientId, ex);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Closing.
            }
        }, CancellationToken.None);
    }

    /// <summary>Adds a background task that the client awaits when it closes.</summary>
    private protected void Track(Task task) => _background.Add(task);
}
