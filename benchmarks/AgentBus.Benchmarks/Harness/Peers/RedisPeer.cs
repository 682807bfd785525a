using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace AgentBus.Benchmarks.Harness.Peers;

/// <summary>
/// Redis's side of the peers scenario with its own .NET client (StackExchange.Redis), on Redis Streams. Request/reply:
/// the requester XADDs to a request stream; the responder reads it with XREADGROUP BLOCK, XADDs each reply to the
/// requester's reply stream and XACKs the requests; the requester reads its reply stream with XREAD BLOCK. A durable
/// publish is one XADD. A streamed reply: the responder XADDs the chunks and an end entry to a stream of the request's
/// own, read with XREAD BLOCK. The multiplexer pipelines commands on one connection, so it cannot block; each blocking
/// reader has a connection of its own and sends its XREAD/XREADGROUP with <c>ExecuteAsync</c>. Streams are trimmed to
/// about 100,000 entries (MAXLEN ~), so memory stays bounded over a long run.
/// </summary>
internal sealed class RedisPeer : IAsyncDisposable
{
    private const string RequestStream = "preq";
    private const string ReplyStream = "prep:caller";
    private const string StreamRequests = "sreq";
    private const string Group = "svc";
    private const int MaxLength = 100_000;
    private const string BlockMs = "1000";

    private readonly ConnectionMultiplexer _shared;
    private readonly List<ConnectionMultiplexer> _blocking = [];
    private readonly IDatabase _db;
    private readonly byte[] _payload;
    private readonly byte[] _chunk;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _pending = new();
    private long _nextId;

    private RedisPeer(ConnectionMultiplexer shared, byte[] payload, byte[] chunk)
    {
        _shared = shared;
        _db = shared.GetDatabase();
        _payload = payload;
        _chunk = chunk;
    }

    public static async Task<RedisPeer> StartAsync(PeerProcess server, byte[] payload, byte[] chunk)
    {
        var peer = new RedisPeer(await ConnectAsync(server), payload, chunk);
        try
        {
            await peer.SetUpAsync(server);
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    public async Task RequestAsync(int worker)
    {
        long id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        try
        {
            await _db.StreamAddAsync(RequestStream, [new("id", id), new("reply", ReplyStream), new("body", _payload)], maxLength: MaxLength, useApproximateMaxLength: true);
            await reply.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public Task PublishAsync(int worker) =>
        _db.StreamAddAsync("ppub:" + worker.ToString(CultureInfo.InvariantCulture), "body", _payload, maxLength: MaxLength, useApproximateMaxLength: true);

    public async Task<TimeSpan> StreamAsync(int chunks, IDatabase reader)
    {
        var deadline = Stopwatch.StartNew();
        long start = Stopwatch.GetTimestamp();
        string key = "srep:" + Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        await _db.StreamAddAsync(StreamRequests, [new("count", chunks), new("reply", key)], maxLength: MaxLength, useApproximateMaxLength: true);
        string last = "0-0";
        int seen = 0;
        var lastChunk = TimeSpan.Zero;
        bool ended = false;
        while (!ended && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var result = await reader.ExecuteAsync("XREAD", "COUNT", "1024", "BLOCK", BlockMs, "STREAMS", key, last);
            foreach (var (id, fields) in Entries(result))
            {
                last = id;
                if (fields.ContainsKey("end"))
                {
                    ended = true;
                }
                else if (++seen == chunks)
                {
                    lastChunk = Stopwatch.GetElapsedTime(start);
                }
            }
        }

        _ = _db.KeyDeleteAsync(key, CommandFlags.FireAndForget);
        return ended && seen == chunks ? lastChunk : throw new InvalidOperationException($"Redis: the stream ended after {seen} of {chunks} chunks.");
    }

    /// <summary>A connection of its own for a blocking stream reader (the caller of <see cref="StreamAsync"/>).</summary>
    public async Task<IDatabase> BlockingReaderAsync(PeerProcess server)
    {
        var connection = await ConnectAsync(server);
        _blocking.Add(connection);
        return connection.GetDatabase();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or RedisException)
        {
            // Stopping: the loops end by cancellation or with the connection.
        }

        foreach (var connection in _blocking)
        {
            await connection.DisposeAsync();
        }

        await _shared.DisposeAsync();
        _stop.Dispose();
    }

    internal static async Task<ConnectionMultiplexer> ConnectAsync(PeerProcess server)
    {
        var options = ConfigurationOptions.Parse("127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture));
        // RESP2: the stream replies parsed below are arrays, not RESP3 maps.
        options.Protocol = RedisProtocol.Resp2;
        options.AsyncTimeout = 10_000;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    private async Task SetUpAsync(PeerProcess server)
    {
        await _db.StreamCreateConsumerGroupAsync(RequestStream, Group, "$", createStream: true);
        await _db.StreamCreateConsumerGroupAsync(StreamRequests, Group, "$", createStream: true);
        var requestReader = await BlockingReaderAsync(server);
        var replyReader = await BlockingReaderAsync(server);
        var streamReader = await BlockingReaderAsync(server);
        var token = _stop.Token;
        _loops.Add(Task.Run(() => ServeAsync(requestReader, RequestStream, ReplyAsync, token), token));
        _loops.Add(Task.Run(() => ServeAsync(streamReader, StreamRequests, WriteStreamAsync, token), token));
        _loops.Add(Task.Run(() => ReadRepliesAsync(replyReader, token), token));
    }

    /// <summary>
    /// A responder: XREADGROUP BLOCK up to 128 requests, handle them all at once (their XADDs pipelined), then XACK them.
    /// </summary>
    private async Task ServeAsync(IDatabase reader, string stream, Func<Dictionary<string, RedisValue>, Task> handle, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            var result = await reader.ExecuteAsync("XREADGROUP", "GROUP", Group, "responder", "COUNT", "128", "BLOCK", BlockMs, "STREAMS", stream, ">");
            var entries = Entries(result).ToList();
            if (entries.Count == 0)
            {
                continue;
            }

            await Task.WhenAll(entries.Select(e => handle(e.Fields)));
            await _db.StreamAcknowledgeAsync(stream, Group, entries.Select(e => (RedisValue)e.Id).ToArray());
        }
    }

    private Task ReplyAsync(Dictionary<string, RedisValue> request) =>
        _db.StreamAddAsync((string)request["reply"]!, [new("id", request["id"]), new("body", request["body"])], maxLength: MaxLength, useApproximateMaxLength: true);

    private Task WriteStreamAsync(Dictionary<string, RedisValue> request)
    {
        string key = (string)request["reply"]!;
        int count = (int)request["count"];
        var writes = new Task[count + 1];
        for (int i = 0; i < count; i++)
        {
            writes[i] = _db.StreamAddAsync(key, "c", _chunk);
        }

        writes[count] = _db.StreamAddAsync(key, "end", 1);
        return Task.WhenAll(writes);
    }

    private async Task ReadRepliesAsync(IDatabase reader, CancellationToken token)
    {
        string last = "0-0";
        while (!token.IsCancellationRequested)
        {
            var result = await reader.ExecuteAsync("XREAD", "COUNT", "512", "BLOCK", BlockMs, "STREAMS", ReplyStream, last);
            foreach (var (id, fields) in Entries(result))
            {
                last = id;
                if (_pending.TryGetValue((long)fields["id"], out var reply))
                {
                    reply.TrySetResult();
                }
            }
        }
    }

    /// <summary>The entries of an XREAD/XREADGROUP reply of one stream (RESP2: [[key, [[id, [field, value, …]], …]]], or nil when the block timed out).</summary>
    private static IEnumerable<(string Id, Dictionary<string, RedisValue> Fields)> Entries(RedisResult result)
    {
        if (result.IsNull)
        {
            yield break;
        }

        foreach (var stream in (RedisResult[])result!)
        {
            foreach (var entry in (RedisResult[])((RedisResult[])stream!)[1]!)
            {
                var parts = (RedisResult[])entry!;
                var values = (RedisValue[])parts[1]!;
                var fields = new Dictionary<string, RedisValue>(values.Length / 2, StringComparer.Ordinal);
                for (int i = 0; i + 1 < values.Length; i += 2)
                {
                    fields[(string)values[i]!] = values[i + 1];
                }

                yield return ((string)parts[0]!, fields);
            }
        }
    }
}
