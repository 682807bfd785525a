using System.Collections.Concurrent;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Storage;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker.Tests.Storage;

/// <summary>A unique directory under the temp path, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agentbus-storage-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a failed test may still hold a file.
        }
    }
}

/// <summary>Records a log's output so tests can assert on what was reported.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, EventId Event, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
}

/// <summary>Hands one <see cref="ListLogger"/> to every category, so a test sees everything an engine logged.</summary>
internal sealed class ListLoggerFactory : ILoggerFactory
{
    public ListLogger Logger { get; } = new();

    public ILogger CreateLogger(string categoryName) => Logger;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}

/// <summary>One appended record and what the log should give back for it.</summary>
internal sealed record Appended(MessageRecord Record, long QueueOffset, long StoreTimestamp, AppendResult Result);

internal static class TestRecords
{
    public const int SmallSegment = 64 * 1024;

    public static CommitLogOptions Options(string directory, int segmentSize = SmallSegment, FlushMode mode = FlushMode.Async,
        TimeSpan? flushInterval = null, int maxRecordSize = 8 << 20, long residentTail = CommitLogOptions.DefaultResidentTail,
        long cachedTail = CommitLogOptions.DefaultCachedTail) => new()
    {
        ResidentTail = residentTail,
        CachedTail = cachedTail,
        Directory = directory,
        SegmentSize = segmentSize,
        FlushMode = mode,
        FlushInterval = flushInterval ?? TimeSpan.FromHours(1),
        MaxRecordSize = maxRecordSize,
        // Most crash tests damage records a clean close already fsynced (the checkpoint covers them), which the log
        // refuses by default; they exercise the cut recovery makes when told to continue. The refusal has its own tests.
        ContinueAfterDataLoss = true,
    };

    /// <summary>A record with every field varied by <paramref name="random"/>; the body is derived from <paramref name="index"/>.</summary>
    public static MessageRecord Create(Random random, int index, int? bodySize = null)
    {
        var keys = new string[random.Next(0, 4)];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = $"key-{index}-{i}";
        }

        var properties = random.Next(3) switch
        {
            0 => MessageRecord.EmptyProperties,
            1 => new Dictionary<string, string> { ["traceId"] = $"t{index}", ["empty"] = "" },
            _ => Enumerable.Range(0, random.Next(1, 20)).ToDictionary(i => $"p{i}", i => new string('v', i)),
        };

        return new MessageRecord
        {
            Topic = "topic-" + random.Next(3),
            LiteTopic = random.Next(4) == 0 ? null : "lite-" + random.Next(1000),
            QueueId = random.Next(8),
            QueueOffset = -1, // ignored on input
            MessageId = $"01{index:X16}",
            Tag = random.Next(3) switch { 0 => null, 1 => "", _ => "tag-" + index },
            Keys = keys,
            MessageGroup = random.Next(3) == 0 ? "group-" + random.Next(10) : null,
            DeliveryTimestamp = random.Next(2) == 0 ? 0 : random.NextInt64(),
            BornTimestamp = random.NextInt64(),
            BornHost = random.Next(2) == 0 ? "" : "10.0.0." + random.Next(256) + ":5000",
            StoreTimestamp = -1, // ignored on input
            ReconsumeTimes = random.Next(17),
            Properties = properties,
            Body = Body(index, bodySize ?? random.Next(0, 1500)),
        };
    }

    /// <summary>Bytes that identify <paramref name="index"/>, so a read of the wrong record cannot pass.</summary>
    public static byte[] Body(int index, int size)
    {
        var body = new byte[size];
        new Random(index).NextBytes(body);
        return body;
    }

    public static Appended Append(CommitLog log, MessageRecord record, long queueOffset, long storeTimestamp) =>
        new(record, queueOffset, storeTimestamp, log.Append(record, queueOffset, storeTimestamp));

    public static List<Appended> AppendMany(CommitLog log, Random random, int count, int firstIndex = 0)
    {
        var appended = new List<Appended>(count);
        for (var i = 0; i < count; i++)
        {
            var index = firstIndex + i;
            appended.Add(Append(log, Create(random, index), queueOffset: index, storeTimestamp: 1_700_000_000_000 + index));
        }

        return appended;
    }

    /// <summary>Asserts that every field came back, with the offset and timestamp given at append time.</summary>
    public static void AssertSame(Appended expected, MessageRecord actual)
    {
        var e = expected.Record;
        Assert.Equal(e.Topic, actual.Topic);
        Assert.Equal(e.LiteTopic, actual.LiteTopic);
        Assert.Equal(e.QueueId, actual.QueueId);
        Assert.Equal(expected.QueueOffset, actual.QueueOffset);
        Assert.Equal(e.MessageId, actual.MessageId);
        Assert.Equal(e.Tag, actual.Tag);
        Assert.Equal(e.Keys, actual.Keys);
        Assert.Equal(e.MessageGroup, actual.MessageGroup);
        Assert.Equal(e.DeliveryTimestamp, actual.DeliveryTimestamp);
        Assert.Equal(e.BornTimestamp, actual.BornTimestamp);
        Assert.Equal(e.BornHost, actual.BornHost);
        Assert.Equal(expected.StoreTimestamp, actual.StoreTimestamp);
        Assert.Equal(e.ReconsumeTimes, actual.ReconsumeTimes);
        Assert.Equal(e.Properties.OrderBy(p => p.Key, StringComparer.Ordinal), actual.Properties.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(e.Body.ToArray(), actual.Body.ToArray());
    }

    public static void AssertSameHeader(Appended expected, RecordHeader header)
    {
        Assert.Equal(expected.Result.Position, header.Position);
        Assert.Equal(expected.Result.EndPosition, header.EndPosition);
        Assert.Equal(expected.Record.Topic, header.Topic);
        Assert.Equal(expected.Record.LiteTopic, header.LiteTopic);
        Assert.Equal(expected.Record.QueueId, header.QueueId);
        Assert.Equal(expected.QueueOffset, header.QueueOffset);
        Assert.Equal(expected.StoreTimestamp, header.StoreTimestamp);
    }

    /// <summary>Asserts the log holds exactly <paramref name="expected"/>: each readable, and Scan returns them in order and nothing else.</summary>
    public static void AssertContains(CommitLog log, IReadOnlyList<Appended> expected)
    {
        foreach (var appended in expected)
        {
            Assert.True(log.TryRead(appended.Result.Position, out var record), $"record at {appended.Result.Position} is missing");
            AssertSame(appended, record);
        }

        var headers = log.Scan(log.MinPosition).ToList();
        Assert.Equal(expected.Count, headers.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            AssertSameHeader(expected[i], headers[i]);
        }
    }

    public static string SegmentPath(string directory, long basePosition) =>
        Path.Combine(directory, basePosition.ToString("D20", System.Globalization.CultureInfo.InvariantCulture));

    public static async Task WithTimeout(this ValueTask task, int seconds = 30) =>
        await task.AsTask().WaitAsync(TimeSpan.FromSeconds(seconds));
}
