using AgentBus.Server.Metrics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.Server.Tests.Infrastructure;

/// <summary>The server tests' view of a <see cref="TestBroker"/>: raw protocol clients and the server's counters.</summary>
internal static class TestBrokerExtensions
{
    extension(TestBroker broker)
    {
        /// <summary>The server's call and message counters.</summary>
        public BrokerMetrics Metrics => broker.Services.GetRequiredService<BrokerMetrics>();

        /// <summary>A client with its own id on the shared channel; <paramref name="sign"/> adds headers (credentials) to its calls.</summary>
        public TestClient Client(string? clientId = null, Action<Metadata>? sign = null) => new(broker.Channel, clientId ?? NewClientId(), sign);

        /// <summary>A client on a channel of its own, to be cut off abruptly.</summary>
        public (TestClient Client, GrpcChannel Channel) ClientOnOwnChannel(string? clientId = null)
        {
            var channel = broker.NewChannel();
            return (new TestClient(channel, clientId ?? NewClientId()), channel);
        }
    }

    private static string NewClientId() => "client-" + Guid.NewGuid().ToString("N")[..12];
}
