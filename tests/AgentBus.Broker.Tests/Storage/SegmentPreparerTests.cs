using AgentBus.Broker.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentBus.Broker.Tests.Storage;

public sealed class SegmentPreparerTests : IDisposable
{
    private const int Size = 64 * 1024;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ATakenSegmentIsNeverPreparedAgainWhileTheRollIsUnderWay()
    {
        var created = new List<long>();
        var preparer = new SegmentPreparer(basePosition =>
        {
            lock (created)
            {
                created.Add(basePosition);
            }

            return Segment.Create(SegmentFiles.PreparedPathFor(_directory.Path, basePosition), basePosition, Size, FileMode.CreateNew);
        }, smallFolios: true, NullLogger.Instance);
        var active = Segment.Create(SegmentFiles.PathFor(_directory.Path, 0), 0, Size);
        preparer.Start();
        try
        {
            preparer.Track(active, Size / 2);
            Segment? next = null;
            Assert.True(SpinWait.SpinUntil(() => (next = preparer.TakeNext(Size)) is not null, TimeSpan.FromSeconds(30)));

            // The roll has taken the segment but not yet reported the new active one: another progress report for
            // the old segment must not prepare (and truncate) the same file again.
            var idle = preparer.IdleCount;
            preparer.Track(active, Size - 100);
            Assert.True(SpinWait.SpinUntil(() => preparer.IdleCount > idle, TimeSpan.FromSeconds(30)));
            lock (created)
            {
                Assert.Equal([Size], created);
            }

            // Once the roll reports the new segment, its successor is prepared.
            preparer.Track(next!, Size / 2);
            Assert.True(SpinWait.SpinUntil(() => preparer.TakeNext(2 * Size) is { } third && Release(third), TimeSpan.FromSeconds(30)));
            next!.Delete();
        }
        finally
        {
            preparer.Stop();
            active.Release();
        }

        Assert.Empty(Directory.GetFiles(_directory.Path, "*.prepared"));
    }

    private static bool Release(Segment segment)
    {
        segment.Delete();
        return true;
    }
}
