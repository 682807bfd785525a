using AgentBus.Broker.Topics;
using AgentBus.Server.Mapping;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace AgentBus.Server.Tests;

/// <summary>
/// A message whose timestamps no consumer could decode is refused at send, so it never reaches storage to stall a
/// consumer later; and whatever is stored is delivered with a Timestamp that decodes.
/// </summary>
public sealed class TimestampValidationTests
{
    [Fact]
    public async Task Sends_with_undecodable_born_or_delivery_timestamps_are_refused_and_store_nothing()
    {
        await using var broker = await TestBroker.StartAsync(minimumLogLevel: LogLevel.Debug);
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        var client = broker.Client();
        Assert.Equal(Code.Ok, (await client.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["inbox"])).Code);
        long logBefore = broker.Engine.CommitLogPosition;

        var bornTooLate = TestClient.Message("agents", "poison", liteTopic: "inbox");
        bornTooLate.SystemProperties.BornTimestamp = new Timestamp { Seconds = 9_300_000_000_000_000 };
        var bornNotNormalized = TestClient.Message("agents", "poison", liteTopic: "inbox");
        bornNotNormalized.SystemProperties.BornTimestamp = new Timestamp { Seconds = 1, Nanos = 1_500_000_000 };
        var bornBeforeYearOne = TestClient.Message("agents", "poison", liteTopic: "inbox");
        bornBeforeYearOne.SystemProperties.BornTimestamp = new Timestamp { Seconds = -62_135_596_801 };
        var deliveryNotNormalized = TestClient.Message("orders", "poison");
        deliveryNotNormalized.SystemProperties.DeliveryTimestamp = new Timestamp { Seconds = 10, Nanos = -1 };
        var deliveryBefore1970 = TestClient.Message("orders", "poison");
        deliveryBefore1970.SystemProperties.DeliveryTimestamp = new Timestamp { Seconds = -10 };

        Assert.Equal(Code.BadRequest, (await client.SendAsync(bornTooLate)).Status.Code);
        Assert.Equal(Code.BadRequest, (await client.SendAsync(bornNotNormalized)).Status.Code);
        Assert.Equal(Code.BadRequest, (await client.SendAsync(bornBeforeYearOne)).Status.Code);
        Assert.Equal(Code.IllegalDeliveryTime, (await client.SendAsync(deliveryNotNormalized)).Status.Code);
        Assert.Equal(Code.IllegalDeliveryTime, (await client.SendAsync(deliveryBefore1970)).Status.Code);
        // A good message in the same batch as a poison one does not get through either.
        var good = TestClient.Message("agents", "good", liteTopic: "inbox");
        Assert.Equal(Code.BadRequest, (await client.SendAsync(good, bornTooLate)).Status.Code);

        Assert.Equal(logBefore, broker.Engine.CommitLogPosition);
        await client.SendOkAsync(TestClient.Message("agents", "good", liteTopic: "inbox"));
        var received = Assert.Single((await client.ReceiveAsync("agents", "g", poll: TimeSpan.FromSeconds(5))).Messages);
        Assert.Equal("good", received.Body.ToStringUtf8());
        Assert.DoesNotContain(broker.Logs, entry => entry.Level >= LogLevel.Error);
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(-1_500)]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1_767_225_600_123)]
    public void Every_stored_time_maps_to_a_timestamp_that_decodes(long millis)
    {
        var timestamp = MessageMapper.FromMillis(millis);

        Assert.InRange(timestamp.Nanos, 0, 999_999_999);
        var time = timestamp.ToDateTimeOffset(); // throws on an invalid Timestamp
        if (millis is > -62_135_596_800_000 and < 253_402_300_799_999)
        {
            Assert.Equal(millis, time.ToUnixTimeMilliseconds());
        }
    }
}
