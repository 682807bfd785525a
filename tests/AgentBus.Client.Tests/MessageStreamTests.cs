using AgentBus.Client.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AgentBus.Client.Tests;

/// <summary>Sends and acks as frames of the broker's message stream, and the fall-back to the MessagingService calls.</summary>
public sealed class MessageStreamTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sends_after_the_first_call_travel_on_the_message_stream()
    {
        await using var broker = await TestBroker.StartForClientsAsync(output, minimumLogLevel: LogLevel.Debug);
        broker.CreateLiteParent();
        await using var producer = await broker.ProducerAsync();

        var first = await producer.SendAsync(broker.Lite("chat-1", "one"));
        var second = await producer.SendAsync(broker.Lite("chat-1", "two"));

        Assert.Equal(first.Offset + 1, second.Offset);
    }
}
