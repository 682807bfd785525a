using System.Diagnostics;
using System.Globalization;
using AgentBus.Client;
using AgentBus.Client.Consuming;
using AgentBus.Client.Lite;
using AgentBus.Client.Messages;
using AgentBus.Client.Producing;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// A streamed reply done by hand with the client, the yardstick for the agent layer's: each stream gets a fresh lite
/// topic that the reader subscribes first; the writer sends the chunks (a sequence property each) in batches, one
/// send in flight, as the agent layer's reply stream does; the reader is a lite push consumer ordered by lite topic
/// (as the agent layer reads a stream) with the agent layer's reply settings. No request hop: the writer starts at once.
/// </summary>
internal sealed class RawStreamPath : IAsyncDisposable
{
    private const string SequenceProperty = "seq";

    private readonly ClientServiceProvider _provider;
    private readonly Producer _producer;
    private LitePushConsumer? _reader;
    private TaskCompletionSource _lastChunk = new();
    private long _firstChunkAt;
    private int _expected;
    private int _seen;
    private int _streams;

    private RawStreamPath(ClientServiceProvider provider, Producer producer)
    {
        _provider = provider;
        _producer = producer;
    }

    public static async Task<RawStreamPath> StartAsync(ClientHarness harness, int sendCoalescing)
    {
        var provider = harness.Provider;
        var path = new RawStreamPath(provider, await harness.NewProducerAsync(sendCoalescing));
        path._reader = await provider.NewLitePushConsumerBuilder().BindTopic(ClientHarness.Parent).SetConsumerGroup("bench-raw-stream")
            .SetOrderingKey(static m => m.LiteTopic).SetConsumptionParallelism(256).SetMaxCacheMessageCount(4096).SetMessageListener(path.Count).BuildAsync();
        return path;
    }

    /// <summary>One stream of <paramref name="chunks"/> chunks; the times from its start to the first and the last chunk read.</summary>
    public async Task<StreamTiming> StreamAsync(int chunks, byte[] chunk, int batchSize)
    {
        string topic = "raw-stream-" + Interlocked.Increment(ref _streams).ToString(CultureInfo.InvariantCulture);
        var lastChunk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _lastChunk, lastChunk);
        Volatile.Write(ref _seen, 0);
        Volatile.Write(ref _expected, chunks);
        long start = Stopwatch.GetTimestamp();
        await _reader!.SubscribeLiteAsync(topic, OffsetOption.MinOffset);
        var batch = new List<Message>(batchSize);
        for (int sequence = 0; sequence < chunks; sequence++)
        {
            batch.Add(_provider.NewMessageBuilder().SetTopic(ClientHarness.Parent).SetLiteTopic(topic).SetBody(chunk)
                .AddProperty(SequenceProperty, sequence.ToString(CultureInfo.InvariantCulture)).Build());
            if (batch.Count == batchSize || sequence == chunks - 1)
            {
                await _producer.SendAsync(batch.ToArray());
                batch.Clear();
            }
        }

        await lastChunk.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var timing = new StreamTiming(Stopwatch.GetElapsedTime(start, Volatile.Read(ref _firstChunkAt)), Stopwatch.GetElapsedTime(start));
        await _reader.UnsubscribeLiteAsync(topic);
        return timing;
    }

    public async ValueTask DisposeAsync()
    {
        if (_reader is not null)
        {
            await _reader.DisposeAsync();
        }

        await _producer.DisposeAsync();
    }

    private ConsumeResult Count(MessageView chunk)
    {
        int seen = Interlocked.Increment(ref _seen);
        if (seen == 1)
        {
            Volatile.Write(ref _firstChunkAt, Stopwatch.GetTimestamp());
        }

        if (seen == Volatile.Read(ref _expected))
        {
            Volatile.Read(ref _lastChunk).TrySetResult();
        }

        return ConsumeResult.Success;
    }
}

/// <summary>When a stream's first and last chunks arrived, from the start of the request.</summary>
internal readonly record struct StreamTiming(TimeSpan FirstChunk, TimeSpan LastChunk);
