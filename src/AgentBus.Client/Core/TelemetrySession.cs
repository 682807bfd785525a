using System.Threading.Channels;
using AgentBus.Client.Errors;
using AgentBus.Client.Logging;
using AgentBus.Client.Transport;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace AgentBus.Client.Core;

/// <summary>
/// The client's Telemetry stream to one endpoint: sends the client's settings first on every (re)connected stream,
/// hands the broker's settings and commands to <see cref="ITelemetryHandler"/>, and reconnects with backoff when
/// the stream breaks (e.g. the broker restarts). One writer task per stream drains a bounded outbound queue.
/// </summary>
internal sealed class TelemetrySession : IAsyncDisposable
{
    private static readonly TimeSpan MinReconnectDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(2);

    private readonly RpcInvoker _invoker;
    private readonly RpcEndpoint _endpoint;
    private readonly ITelemetryHandler _handler;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _clientId;
    private readonly Channel<TelemetryCommand> _outbound = Channel.CreateBounded<TelemetryCommand>(
        new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly TaskCompletionSource<Settings> _firstSettings = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _streams;

    public TelemetrySession(RpcInvoker invoker, RpcEndpoint endpoint, ITelemetryHandler handler, string clientId, ILogger logger, TimeProvider time)
    {
        _invoker = invoker;
        _endpoint = endpoint;
        _handler = handler;
        _clientId = clientId;
        _logger = logger;
        _time = time;
    }

    /// <summary>Streams opened so far (1 after the first connection; more after reconnections).</summary>
    public long Streams => Interlocked.Read(ref _streams);

    /// <summary>Starts the stream loop and waits for the broker's first settings.</summary>
    public async Task<Settings> StartAsync(TimeSpan timeout, CancellationToken ct)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        try
        {
            return await _firstSettings.Task.WaitAsync(timeout, _time, ct).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new NetworkException(0, $"The broker at {_endpoint.AccessPoint} did not answer the client's settings within {timeout.TotalSeconds:0.#} s.", null, ex);
        }
    }

    /// <summary>Queues a command for the stream (dropped when the broker is unreachable; settings are re-sent on reconnect).</summary>
    public void Send(TelemetryCommand command) => _outbound.Writer.TryWrite(command);

    /// <summary>Sends the client's current settings again.</summary>
    public void SyncSettings() => Send(new TelemetryCommand { Settings = _handler.CurrentSettings() });

    /// <summary>Ends the stream loop; the open stream is completed.</summary>
    public async ValueTask DisposeAsync()
    {
        _outbound.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var delay = MinReconnectDelay;
        // Bounded by the client's lifetime: every round waits at least the reconnect delay unless a stream worked.
        while (!stopping.IsCancellationRequested)
        {
            bool gotSettings = false;
            try
            {
                gotSettings = await RunStreamAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                // Closing: whatever the stream was doing (cancelled, or cut by a broker going away) ends here.
                return;
            }
            catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException or InvalidOperationException or ClientException)
            {
                ClientLog.TelemetryBroken(_logger, _clientId, _endpoint.AccessPoint.Facade, ex.Message);
                if (ex is RpcException { StatusCode: StatusCode.Unavailable })
                {
                    _endpoint.Failover(_endpoint.Client);
                }
            }

            delay = gotSettings ? MinReconnectDelay : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
            try
            {
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One stream: returns when it ends; true when the broker answered settings on it.</summary>
    private async Task<bool> RunStreamAsync(CancellationToken stopping)
    {
        using var streamEnded = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var options = _invoker.Options(Timeout.InfiniteTimeSpan, streamEnded.Token, out _);
        using var call = _endpoint.Client.Telemetry(options);
        long number = Interlocked.Increment(ref _streams);
        try
        {
            await call.RequestStream.WriteAsync(new TelemetryCommand { Settings = _handler.CurrentSettings() }, stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is RpcException or InvalidOperationException or IOException or HttpRequestException) && !stopping.IsCancellationRequested)
        {
            // A broker that refuses the stream (an unauthorized client) may answer and end it before the settings are
            // written: read on, so its status surfaces, or the stream's own failure does.
        }

        var writer = WriteAsync(call.RequestStream, streamEnded.Token);
        bool gotSettings = false;
        try
        {
            while (await call.ResponseStream.MoveNext(stopping).ConfigureAwait(false))
            {
                var command = call.ResponseStream.Current;
                if (command.CommandCase == TelemetryCommand.CommandOneofCase.Settings)
                {
                    _handler.OnSettings(command.Settings);
                    if (!gotSettings)
                    {
                        gotSettings = true;
                        ClientLog.TelemetryConnected(_logger, _clientId, _endpoint.AccessPoint.Facade, number);
                        if (!_firstSettings.TrySetResult(command.Settings))
                        {
                            _handler.OnReconnected();
                        }
                    }

                    continue;
                }

                OnCommand(command);
            }
        }
        finally
        {
            await streamEnded.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
        }

        if (!stopping.IsCancellationRequested)
        {
            ClientLog.TelemetryBroken(_logger, _clientId, _endpoint.AccessPoint.Facade, "the broker ended the stream");
        }

        return gotSettings;
    }

    private void OnCommand(TelemetryCommand command)
    {
        switch (command.CommandCase)
        {
            case TelemetryCommand.CommandOneofCase.NotifyUnsubscribeLiteCommand:
                _handler.OnNotifyUnsubscribeLite(command.NotifyUnsubscribeLiteCommand.LiteTopic);
                break;
            case TelemetryCommand.CommandOneofCase.VerifyMessageCommand:
                Send(new TelemetryCommand
                {
                    Status = new Apache.Rocketmq.V2.Status { Code = Code.NotImplemented, Message = "Message verification is not supported." },
                    VerifyMessageCommand = new VerifyMessageCommand { Nonce = command.VerifyMessageCommand.Nonce },
                });
                break;
            case TelemetryCommand.CommandOneofCase.PrintThreadStackTraceCommand:
                Send(new TelemetryCommand
                {
                    Status = new Apache.Rocketmq.V2.Status { Code = Code.Ok, Message = "OK" },
                    ThreadStackTrace = new ThreadStackTrace { Nonce = command.PrintThreadStackTraceCommand.Nonce, ThreadStackTrace_ = "Thread dumps are not available from the .NET client." },
                });
                break;
            case TelemetryCommand.CommandOneofCase.None when command.Status is { } status && status.Code != Code.Ok:
                var error = StatusChecker.ToException(status.Code, status.Message, null);
                if (!_firstSettings.TrySetException(error))
                {
                    ClientLog.TelemetryCommandIgnored(_logger, _clientId, $"status {status.Code}: {status.Message}");
                }

                break;
            default:
                ClientLog.TelemetryCommandIgnored(_logger, _clientId, command.CommandCase.ToString());
                break;
        }
    }

    private async Task WriteAsync(IClientStreamWriter<TelemetryCommand> stream, CancellationToken ct)
    {
        try
        {
            while (await _outbound.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (_outbound.Reader.TryRead(out var command))
                {
                    await stream.WriteAsync(command, ct).ConfigureAwait(false);
                }
            }

            await stream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or IOException or InvalidOperationException)
        {
            // The stream ended; the reader side reconnects.
        }
    }
}

/// <summary>What a Telemetry stream reports to its client.</summary>
internal interface ITelemetryHandler
{
    /// <summary>The client's settings, sent first on every stream.</summary>
    Settings CurrentSettings();

    /// <summary>The broker's settings for this client.</summary>
    void OnSettings(Settings settings);

    /// <summary>A stream was re-established after a break (the broker may have lost the client's state).</summary>
    void OnReconnected();

    /// <summary>The broker removed a lite subscription of this client.</summary>
    void OnNotifyUnsubscribeLite(string liteTopic);
}
