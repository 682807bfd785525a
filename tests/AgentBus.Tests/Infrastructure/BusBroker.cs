using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using AgentBus.Server.Embedded;
using Microsoft.Extensions.Logging;

namespace AgentBus.Tests.Infrastructure;

/// <summary>
/// A real broker (the embedded server on a fixed free loopback port, so it can restart in place) with the bus's
/// resources declared, and buses connected to it as separate instances. Disposing fails the test when anything
/// logged an error nobody expected.
/// </summary>
internal sealed class BusBroker : IAsyncDisposable
{
    private readonly List<AgentBusClient> _buses = [];
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ILoggerFactory _logs;

    private BusBroker(string dataDirectory, int port)
    {
        DataDirectory = dataDirectory;
        Port = port;
        _logs = LoggerFactory.Create(b => b.AddProvider(new ErrorCollector(_errors)).SetMinimumLevel(LogLevel.Debug));
    }

    public EmbeddedBroker Broker { get; private set; } = null!;

    public string DataDirectory { get; }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public ILoggerFactory Logs => _logs;

    public static async Task<BusBroker> StartAsync()
    {
        var broker = new BusBroker(Path.Combine(Path.GetTempPath(), "agentbus-agents-" + Guid.NewGuid().ToString("N")), FreePort());
        await broker.StartBrokerAsync();
        return broker;
    }

    /// <summary>A bus instance connected to this broker (disposed with it unless the test disposes it first).</summary>
    public async Task<AgentBusClient> ConnectAsync(string? instanceId = null, Action<AgentBusOptions>? configure = null)
    {
        var options = new AgentBusOptions { Endpoints = Endpoint, InstanceId = instanceId, LoggerFactory = _logs, SendCoalescing = 64 };
        configure?.Invoke(options);
        var bus = await AgentBusClient.ConnectAsync(options);
        lock (_buses)
        {
            _buses.Add(bus);
        }

        return bus;
    }

    public async Task RestartAsync()
    {
        await Broker.DisposeAsync();
        await StartBrokerAsync();
    }

    public async ValueTask DisposeAsync()
    {
        List<AgentBusClient> buses;
        lock (_buses)
        {
            buses = [.. _buses];
        }

        foreach (var bus in buses)
        {
            await bus.DisposeAsync();
        }

        await Broker.DisposeAsync();
        _logs.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        Assert.True(_errors.IsEmpty, "Unexpected errors were logged:\n" + string.Join("\n", _errors));
    }

    private async Task StartBrokerAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { DataDirectory = DataDirectory, Port = Port, LoggerFactory = _logs });
                BusResources.Declare(Broker.Engine.Topics, new AgentBusOptions());
                return;
            }
            catch (IOException) when (attempt < 20)
            {
                await Task.Delay(50);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class ErrorCollector(ConcurrentQueue<string> errors) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, errors);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> errors) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            private static readonly bool Echo = Environment.GetEnvironmentVariable("AGENTBUS_TEST_LOG") == "1";

            public bool IsEnabled(LogLevel logLevel) => Echo || logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (Echo)
                {
                    Console.WriteLine($"[{logLevel}] {category}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
                }

                // A client that cancels a receive before its request message arrived: the gRPC host logs the reset itself.
                if (logLevel >= LogLevel.Error && exception is not IOException { Message: "The client reset the request stream." })
                {
                    errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}
