using AgentBus.Broker;
using AgentBus.Client.Errors;
using AgentBus.Client.Messages;
using AgentBus.Client.Producing;
using AgentBus.Client.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Client.Tests.Faults;

/// <summary>
/// A producer whose connection is cut while a send is in flight. The client retries network failures with the same
/// message id; the broker stores a retried lite message once when it carries a deduplication key, and again without
/// one (at-least-once). Either way no send that returned a receipt is lost.
/// </summary>
public sealed class ProducerFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_send_whose_answer_is_cut_off_is_retried_and_stored_once_with_a_deduplication_key()
    {
        await using var setup = await FaultSetup.StartAsync(output);
        await using var producer = await setup.Proxied.NewProducerBuilder().SetTopics(Scenario.Parent).BuildAsync();
        var receipts = new List<SendReceipt>();
        for (int i = 0; i < 6; i++)
        {
            var message = Keyed(setup, $"m{i}");
            receipts.Add(i == 3 ? await SendWithAnswerCutAsync(setup, producer, message, storedBefore: 3) : await producer.SendAsync(message));
        }

        var stored = setup.Stored("orders");
        Assert.Equal(["m0", "m1", "m2", "m3", "m4", "m5"], stored.Select(Body));
        Assert.Equal(receipts.Select(r => r.MessageId), stored.Select(m => m.MessageId));
        Assert.True(setup.Proxy.ConnectionsAccepted >= 2, "the retry went out on a new connection");
    }

    [Fact]
    public async Task A_send_whose_answer_is_cut_off_is_retried_and_stored_again_without_a_deduplication_key()
    {
        await using var setup = await FaultSetup.StartAsync(output);
        await using var producer = await setup.Proxied.NewProducerBuilder().SetTopics(Scenario.Parent).BuildAsync();
        await producer.SendAsync(setup.Broker.Lite("orders", "m0"));
        var receipt = await SendWithAnswerCutAsync(setup, producer, setup.Broker.Lite("orders", "m1"), storedBefore: 1);

        // At-least-once: the retry carries the same message id, so a consumer can tell the copies apart from new messages.
        var stored = setup.Stored("orders");
        Assert.Equal(["m0", "m1", "m1"], stored.Select(Body));
        Assert.Equal([receipt.MessageId, receipt.MessageId], stored.Skip(1).Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_send_to_an_unreachable_broker_fails_with_a_network_exception_within_its_attempts()
    {
        await using var setup = await FaultSetup.StartAsync(output);
        await using var producer = await setup.Proxied.NewProducerBuilder().SetTopics(Scenario.Parent).SetMaxAttempts(2).BuildAsync();
        await producer.SendAsync(Keyed(setup, "before"));

        int accepted = setup.Proxy.ConnectionsAccepted;
        await setup.Proxy.RefuseConnectionsAsync();
        await setup.Proxy.CutAllAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var failure = await Assert.ThrowsAnyAsync<ClientException>(() => producer.SendAsync(Keyed(setup, "lost")));
        Assert.True(failure is NetworkException or RequestTimeoutException, $"a network failure, not {failure.GetType().Name}: {failure.Message}");
        Assert.True(started.Elapsed < 3 * FaultSetup.RequestTimeout, $"gave up after {started.Elapsed}, within 2 attempts of {FaultSetup.RequestTimeout}");

        // The channel reconnects on its own, after a backoff (up to 2 s) that two attempts of 2 s need not outlast.
        setup.Proxy.AcceptConnections();
        await setup.Proxy.WaitForConnectionsAsync(accepted + 1);
        await producer.SendAsync(Keyed(setup, "after"));
        Assert.Equal(["before", "after"], setup.Stored("orders").Select(Body));
    }

    /// <summary>
    /// Holds the broker's answers back, sends, waits until the broker stored the message, then resets the connection:
    /// the producer never saw its answer and has to retry.
    /// </summary>
    private static async Task<SendReceipt> SendWithAnswerCutAsync(FaultSetup setup, Producer producer, Message message, int storedBefore)
    {
        setup.Proxy.Stall(FaultDirection.ToClient);
        var send = producer.SendAsync(message);
        await Eventually.TrueAsync(() => setup.Stored(message.LiteTopic!).Count > storedBefore, what: "the broker stored the message");
        Assert.False(send.IsCompleted, "the answer was held back");
        await setup.Proxy.CutAllAsync(CutMode.Reset);
        setup.Proxy.Resume(FaultDirection.ToClient);
        return await Eventually.CompletesAsync(send, what: "the retried send completed");
    }

    private static Message Keyed(FaultSetup setup, string body) => setup.Broker.Provider.NewMessageBuilder()
        .SetTopic(Scenario.Parent).SetLiteTopic("orders").SetBody(body).AddProperty(BrokerEngine.DeduplicationKeyProperty, "key-" + body).Build();

    private static string Body(Broker.Messages.MessageRecord record) => System.Text.Encoding.UTF8.GetString(record.Body.Span);
}
