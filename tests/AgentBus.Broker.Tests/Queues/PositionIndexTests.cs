using AgentBus.Broker.Queues;

namespace AgentBus.Broker.Tests.Queues;

public sealed class PositionIndexTests
{
    [Fact]
    public void AppendAndLookUpAcrossGrowth()
    {
        var index = new PositionIndex();
        for (int i = 0; i < 100; i++)
        {
            index.Append(i * 10L);
            Assert.True(index.TryGet(i, out long position));
            Assert.Equal(i * 10L, position);
        }

        Assert.Equal(0, index.MinOffset);
        Assert.Equal(100, index.MaxOffset);
        Assert.False(index.TryGet(100, out _));
        Assert.False(index.TryGet(-1, out _));
    }

    [Fact]
    public void TrimKeepsTheRestAddressableAndFallsBackToInlineStorage()
    {
        var index = new PositionIndex();
        for (int i = 0; i < 10; i++)
        {
            index.Append(1000 + i);
        }

        index.TrimBefore(9);

        Assert.Equal(9, index.MinOffset);
        Assert.Equal(1, index.Count);
        Assert.True(index.TryGet(9, out long last));
        Assert.Equal(1009, last);
        Assert.False(index.TryGet(8, out _));
        index.Append(2000);
        Assert.True(index.TryGet(10, out long next));
        Assert.Equal(2000, next);
    }

    [Fact]
    public void ResetStartsAtTheGivenOffset()
    {
        var index = new PositionIndex();
        index.ResetTo(42);
        index.Append(7);
        Assert.True(index.TryGet(42, out long position));
        Assert.Equal(7, position);
        Assert.Equal(43, index.MaxOffset);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(17)]
    public void FirstOffsetAtOrAfterPosition(int count)
    {
        var index = new PositionIndex();
        for (int i = 0; i < count; i++)
        {
            index.Append(100 * (i + 1));
        }

        Assert.Equal(0, index.FirstOffsetAtOrAfterPosition(0));
        Assert.Equal(0, index.FirstOffsetAtOrAfterPosition(100));
        Assert.Equal(1, index.FirstOffsetAtOrAfterPosition(101));
        Assert.Equal(count, index.FirstOffsetAtOrAfterPosition(100 * count + 1));
    }
}
