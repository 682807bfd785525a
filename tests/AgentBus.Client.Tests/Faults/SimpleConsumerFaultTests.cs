using AgentBus.Client.Errors;
using AgentBus.Client.Messages;
using AgentBus.Client.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Client.Tests.Faults;

/// <summary>
/// A lite simple consumer behind a <see cref="FaultProxy"/>: it settles messages itself, so a receive cut in the
/// middle of its answer fails to the caller, and the messages come back to a later receive.
/// </summary>
public sealed class SimpleConsumerFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_receive_cut_mid_answer_fails_with_a_network_exception_and_its_messages_come_back()
    {
        await using var setup = await FaultSetup.StartAsync(output);
        await using var consumer = await setup.Proxied.NewLiteSimpleConsumerBuilder().BindTopic(Scenario.Parent).SetConsumerGroup("simple")
            .SetAwaitDuration(TimeSpan.FromSeconds(1)).BuildAsync();
        await consumer.SubscribeLiteAsync("tasks");
        await using var producer = await setup.Broker.ProducerAsync();
        for (int i = 0; i < 3; i++)
        {
            await producer.SendAsync(setup.Broker.Lite("tasks", $"t{i}"));
        }

        var cut = setup.Proxy.CutAfterAsync(FaultDirection.ToClient, 300);
        var failure = await Assert.ThrowsAnyAsync<ClientException>(() => consumer.ReceiveAsync(10, TimeSpan.FromSeconds(2)));
        Assert.IsType<NetworkException>(failure);
        await Eventually.CompletesAsync(cut);

        // Released at once when the broker saw the stream break, else visible again after their 2 s.
        var received = new Dictionary<string, MessageView>();
        for (int round = 0; round < 10 && received.Count < 3; round++)
        {
            foreach (var message in await consumer.ReceiveAsync(10, TimeSpan.FromSeconds(30)))
            {
                Assert.True(received.TryAdd(message.Text(), message), $"{message} received twice");
                await consumer.AckAsync(message);
            }
        }

        Assert.Equal(["t0", "t1", "t2"], received.Keys.Order());
        Assert.Equal(3, setup.Broker.Engine.LiteOffsets(Scenario.Parent, "tasks", "simple")?.Committed);
    }
}
