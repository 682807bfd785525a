using AgentBus.Broker.Topics;
using AgentBus.Server.Metrics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.Server.Tests;

public sealed class ResilienceTests(SharedTestBroker shared) : IClassFixture<SharedTestBroker>
{
    [Fact]
    public async Task A_client_cut_off_during_a_long_poll_leaves_the_server_serving_others()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        var (doomed, channel) = broker.ClientOnOwnChannel();
        await doomed.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["inbox"]);
        var call = doomed.Stub.ReceiveMessage(TestClient.ReceiveRequest("agents", "g", poll: TimeSpan.FromSeconds(20)), doomed.Options());
        var reading = call.ResponseStream.MoveNext();
        var metrics = broker.Broker.Services.GetRequiredService<BrokerMetrics>();
        await Eventually.TrueAsync(() => metrics.WaitingReceives == 1);

        channel.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => reading);
        call.Dispose();
        await Eventually.TrueAsync(() => metrics.WaitingReceives == 0);

        var survivor = broker.Client();
        await survivor.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["inbox"]);
        await survivor.SendOkAsync(TestClient.Message("agents", "still here", liteTopic: "inbox"));
        var received = await survivor.ReceiveAsync("agents", "g", poll: TimeSpan.FromSeconds(5));
        Assert.Equal(["still here"], received.Bodies);
    }

    [Fact]
    public async Task Messages_of_a_stream_the_client_abandoned_are_delivered_again()
    {
        var broker = shared.Broker;
        var producer = broker.Client();
        await producer.SendAsync([.. Enumerable.Range(0, 20).Select(i => TestClient.Message("jobs-abandoned", new string('x', 100) + i))]);
        var (quitter, channel) = broker.ClientOnOwnChannel();
        using (var cancel = new CancellationTokenSource())
        {
            var call = quitter.Stub.ReceiveMessage(TestClient.ReceiveRequest("jobs-abandoned", "g-abandoned", invisible: TimeSpan.FromSeconds(1)),
                quitter.Options(cancellationToken: cancel.Token));
            Assert.True(await call.ResponseStream.MoveNext());
            cancel.Cancel();
            call.Dispose();
            channel.Dispose();
        }

        var receiver = broker.Client();
        var seen = new HashSet<string>();
        for (int round = 0; round < 20 && seen.Count < 20; round++)
        {
            var batch = await receiver.ReceiveAsync("jobs-abandoned", "g-abandoned", poll: TimeSpan.FromSeconds(3));
            seen.UnionWith(batch.Bodies);
            if (batch.Messages.Count > 0)
            {
                await receiver.AckAsync("jobs-abandoned", "g-abandoned", [.. batch.Messages]);
            }
        }

        Assert.Equal(20, seen.Count);
    }

    [Fact]
    public async Task A_receive_retried_with_the_same_attempt_id_gets_the_same_deliveries_back()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        await client.SendAsync(TestClient.Message("orders-attempts", "o1"), TestClient.Message("orders-attempts", "o2"));
        var request = TestClient.ReceiveRequest("orders-attempts", "g-attempts", poll: TimeSpan.FromMilliseconds(300));
        request.AttemptId = "attempt-1";

        var first = await client.ReceiveAsync(request);
        var retried = await client.ReceiveAsync(request);
        request.AttemptId = "attempt-2";
        var next = await client.ReceiveAsync(request);

        Assert.Equal(["o1", "o2"], first.Bodies.Order());
        Assert.Equal(first.Messages.Select(m => m.SystemProperties.ReceiptHandle), retried.Messages.Select(m => m.SystemProperties.ReceiptHandle));
        Assert.Empty(next.Messages);
        Assert.Equal(Code.Ok, await client.AckAsync("orders-attempts", "g-attempts", [.. retried.Messages]));
    }

    [Fact]
    public async Task Messages_and_consume_offsets_survive_a_restart_on_the_same_data_directory()
    {
        string directory = Path.Combine(Path.GetTempPath(), "agentbus-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var before = await TestBroker.StartAsync(dataDirectory: directory))
            {
                before.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
                before.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", BindTopic: "agents"));
                var client = before.Client("gateway-1");
                await client.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["replies"]);
                for (int i = 0; i < 4; i++)
                {
                    await client.SendOkAsync(TestClient.Message("agents", $"r{i}", liteTopic: "replies"));
                }

                var first = await client.ReceiveAsync(TestClient.ReceiveRequest("agents", "g", batch: 2, poll: TimeSpan.FromSeconds(5)));
                Assert.Equal(["r0", "r1"], first.Bodies);
                Assert.Equal(Code.Ok, await client.AckAsync("agents", "g", [.. first.Messages]));
            }

            await using var after = await TestBroker.StartAsync(dataDirectory: directory);
            Assert.True(after.Engine.Topics.TryGetGroup("g", out _));
            var again = after.Client("gateway-1");
            await again.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["replies"],
                new OffsetOption { Policy = OffsetOption.Types.Policy.Last });
            var rest = await again.ReceiveAsync("agents", "g", poll: TimeSpan.FromSeconds(5));
            Assert.Equal(["r2", "r3"], rest.Bodies);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task The_grpc_health_service_reports_serving()
    {
        var broker = shared.Broker;
        var health = new Grpc.Health.V1.Health.HealthClient(broker.Channel);

        var response = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));

        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }
}
