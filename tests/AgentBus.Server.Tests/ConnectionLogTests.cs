using AgentBus.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AgentBus.Server.Tests;

public sealed class ConnectionLogTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Experiment()
    {
        await using var broker = await TestBroker.StartAsync(minimumLogLevel: LogLevel.Trace);
        var (client, channel) = broker.ClientOnOwnChannel();
        await client.SendAsync(TestClient.Message("t", "hello"));
        channel.Dispose();
        await using (var producer = await broker.Provider.NewProducerBuilder().BuildAsync())
        {
            await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic("t").SetBody("x").Build());
        }
        broker.Channel.Dispose();
        await Task.Delay(1000);
        foreach (var e in broker.Logs.Where(e => e.Exception is not null || e.Level >= LogLevel.Information))
            output.WriteLine($"{e.Level} {e.Category} {e.Message} {e.Exception?.GetType()}: {e.Exception?.Message}");
    }
}
