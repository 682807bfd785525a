using AgentBus.Broker.Messages;
using AgentBus.Broker.Storage;
using BenchmarkDotNet.Attributes;

namespace AgentBus.Benchmarks;

/// <summary>
/// Commit log throughput with 1 KiB message bodies and default 1 GiB segments in a temp directory. One benchmark
/// operation is one message (OperationsPerInvoke), so the reported mean is the time per message and the allocation
/// column is per message.
/// </summary>
[MemoryDiagnoser]
public class CommitLogBenchmarks
{
    private const int AsyncBatch = 100_000;
    private const int Appenders = 64;
    private const int PerAppender = 500;
    private const int StoredRecords = 200_000;

    private string _directory = "";
    private CommitLog _log = null!;
    private MessageRecord _message = null!;
    private long[] _positions = [];
    private long _queueOffset;

    [GlobalSetup(Target = nameof(AppendAsyncFlush))]
    public void SetupAsync() => Open(FlushMode.Async);

    [GlobalSetup(Target = nameof(AppendSyncFlush64Appenders))]
    public void SetupSync() => Open(FlushMode.Sync);

    [GlobalSetup(Targets = [nameof(TryRead), nameof(ScanHeaders)])]
    public void SetupStored()
    {
        Open(FlushMode.Async);
        _positions = new long[StoredRecords];
        for (var i = 0; i < StoredRecords; i++)
        {
            _positions[i] = _log.Append(_message, i, i).Position;
        }

        _log.FlushAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Keeps the disk footprint bounded between iterations; not part of the measurement.</summary>
    [IterationCleanup(Targets = [nameof(AppendAsyncFlush), nameof(AppendSyncFlush64Appenders)])]
    public void Retain() => _log.DeleteSegmentsBefore(_log.WritePosition);

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Async flush: an append returns once the record is in the page cache; fsync happens every 200 ms.</summary>
    [Benchmark(OperationsPerInvoke = AsyncBatch)]
    public long AppendAsyncFlush()
    {
        long end = 0;
        for (var i = 0; i < AsyncBatch; i++)
        {
            end = _log.Append(_message, _queueOffset++, 1_700_000_000_000).EndPosition;
        }

        return end;
    }

    /// <summary>Sync flush: 64 concurrent appenders, each awaiting an fsync that covers its record before the next append.</summary>
    [Benchmark(OperationsPerInvoke = Appenders * PerAppender)]
    public Task AppendSyncFlush64Appenders()
    {
        var appenders = new Task[Appenders];
        for (var i = 0; i < appenders.Length; i++)
        {
            appenders[i] = Task.Run(AppendDurablyAsync);
        }

        return Task.WhenAll(appenders);
    }

    /// <summary>Random-order reads of stored records (CRC check and full decode, body copied).</summary>
    [Benchmark(OperationsPerInvoke = StoredRecords)]
    public int TryRead()
    {
        var found = 0;
        var index = 0;
        for (var i = 0; i < StoredRecords; i++)
        {
            // A fixed stride through the positions: not sequential, but deterministic.
            index = (index + 7919) % StoredRecords;
            if (_log.TryRead(_positions[index], out _))
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>Index-rebuild scan: headers of every stored record, CRC verified, bodies not decoded.</summary>
    [Benchmark(OperationsPerInvoke = StoredRecords)]
    public int ScanHeaders()
    {
        var count = 0;
        foreach (var header in _log.Scan(0))
        {
            count += header.QueueId + 1;
        }

        return count;
    }

    private async Task AppendDurablyAsync()
    {
        for (var i = 0; i < PerAppender; i++)
        {
            var result = _log.Append(_message, Interlocked.Increment(ref _queueOffset), 1_700_000_000_000);
            await _log.WaitDurableAsync(result.EndPosition).ConfigureAwait(false);
        }
    }

    private void Open(FlushMode mode)
    {
        _directory = Path.Combine(Path.GetTempPath(), "agentbus-bench-" + Guid.NewGuid().ToString("N"));
        _log = CommitLog.Open(new CommitLogOptions { Directory = _directory, FlushMode = mode });
        var body = new byte[1024];
        new Random(42).NextBytes(body);
        _message = new MessageRecord
        {
            Topic = "agentbus",
            LiteTopic = "reply-gw-0001",
            MessageId = "0100163E0C7F2A00000000000001",
            Tag = "reply",
            BornTimestamp = 1_700_000_000_000,
            BornHost = "10.0.0.12:50432",
            Properties = new Dictionary<string, string> { ["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
            Body = body,
        };
    }
}
