using AgentBus.Protocol.Messages;
using CsCheck;
using Google.Protobuf.WellKnownTypes;

namespace AgentBus.Protocol.Tests.Messages;

public sealed class ProtocolTimeTests
{
    [Fact]
    public void Valid_means_years_1_to_9999_and_normalized_nanos()
    {
        Assert.True(ProtocolTime.IsValid(ProtocolTime.MinSeconds, 0));
        Assert.True(ProtocolTime.IsValid(ProtocolTime.MaxSeconds, 999_999_999));
        Assert.False(ProtocolTime.IsValid(ProtocolTime.MinSeconds - 1, 0));
        Assert.False(ProtocolTime.IsValid(ProtocolTime.MaxSeconds + 1, 0));
        Assert.False(ProtocolTime.IsValid(0, -1));
        Assert.False(ProtocolTime.IsValid(0, 1_000_000_000));
        // The bounds are the Timestamp's own: Google.Protobuf converts exactly these and throws past them.
        Assert.Equal(ProtocolTime.MinSeconds, DateTimeOffset.MinValue.ToUnixTimeSeconds());
        Assert.Equal(ProtocolTime.MaxSeconds, new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero).ToUnixTimeSeconds());
    }

    [Fact]
    public void A_stored_time_becomes_the_timestamp_google_protobuf_makes_of_it_and_back()
    {
        long min = DateTimeOffset.MinValue.ToUnixTimeMilliseconds(), max = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();
        Gen.Long[min, max].Sample(millis =>
        {
            var (seconds, nanos) = ProtocolTime.FromUnixMilliseconds(millis);
            var expected = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(millis));

            Assert.Equal((expected.Seconds, expected.Nanos), (seconds, nanos));
            Assert.True(ProtocolTime.IsValid(seconds, nanos));
            Assert.Equal(millis, ProtocolTime.ToUnixMilliseconds(seconds, nanos));
        }, iter: 2000);
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(-1)]
    public void A_time_outside_what_a_timestamp_holds_is_clamped_to_a_valid_one(long millis)
    {
        var (seconds, nanos) = ProtocolTime.FromUnixMilliseconds(millis);

        Assert.True(ProtocolTime.IsValid(seconds, nanos));
    }
}
