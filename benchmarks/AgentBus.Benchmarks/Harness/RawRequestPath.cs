using System.Globalization;
using AgentBus.Client.Consuming;
using AgentBus.Client.Lite;
using AgentBus.Client.Messages;
using AgentBus.Client.Producing;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// Request/response done by hand with the client, the yardstick for the agent layer: two lite-topic hops. A
/// request goes to lite topic <c>svc</c>; the responder's listener sends its body back to the lite topic the request
/// names; the listener on that reply topic completes the caller's <see cref="TaskCompletionSource"/>, found by the
/// caller's slot in a property. One producer serves both sides, as a bus has one; the consumers have the agent
/// layer's settings: no ordering (a lite push consumer keeps a lite topic's order unless told otherwise, which would
/// serve one request at a time), 64 handlers for the requests, 256 listeners and a cache of 4,096 for the replies.
/// </summary>
internal sealed class RawRequestPath : IAsyncDisposable
{
    private const string ServiceTopic = "svc";
    private const string ReplyTopic = "raw-reply";
    private const string SlotProperty = "slot";
    private const string ReplyToProperty = "reply-to";

    private readonly Producer _producer;
    private readonly Message[] _requests;
    private readonly TaskCompletionSource?[] _waiting;
    private LitePushConsumer? _responder;
    private LitePushConsumer? _replies;

    private RawRequestPath(Producer producer, Message[] requests)
    {
        _producer = producer;
        _requests = requests;
        _waiting = new TaskCompletionSource?[requests.Length];
    }

    public static async Task<RawRequestPath> StartAsync(ClientHarness harness, int sendCoalescing, int callers, byte[] body)
    {
        var provider = harness.Provider;
        var producer = await harness.NewProducerAsync(sendCoalescing);
        var requests = Enumerable.Range(0, callers).Select(slot => provider.NewMessageBuilder().SetTopic(ClientHarness.Parent).SetLiteTopic(ServiceTopic)
            .SetBody(body).AddProperty(SlotProperty, slot.ToString(CultureInfo.InvariantCulture)).AddProperty(ReplyToProperty, ReplyTopic).Build()).ToArray();
        var path = new RawRequestPath(producer, requests);
        path._responder = await provider.NewLitePushConsumerBuilder().BindTopic(ClientHarness.Parent).SetConsumerGroup("bench-raw-svc")
            .SetOrderingKey(static _ => null).SetConsumptionParallelism(64).SetMaxCacheMessageCount(1024).SetMessageListener(path.RespondAsync).BuildAsync();
        await path._responder.SubscribeLiteAsync(ServiceTopic);
        path._replies = await provider.NewLitePushConsumerBuilder().BindTopic(ClientHarness.Parent).SetConsumerGroup("bench-raw-replies")
            .SetOrderingKey(static _ => null).SetConsumptionParallelism(256).SetMaxCacheMessageCount(4096).SetMessageListener(path.Complete).BuildAsync();
        await path._replies.SubscribeLiteAsync(ReplyTopic);
        return path;
    }

    /// <summary>One request from caller <paramref name="slot"/> (0 to callers − 1; one request per slot at a time).</summary>
    public async Task RequestAsync(int slot)
    {
        var reply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waiting[slot], reply);
        await _producer.SendAsync(_requests[slot]);
        await reply.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (_replies is not null)
        {
            await _replies.DisposeAsync();
        }

        if (_responder is not null)
        {
            await _responder.DisposeAsync();
        }

        await _producer.DisposeAsync();
    }

    private async ValueTask<ConsumeResult> RespondAsync(MessageView request, CancellationToken ct)
    {
        var reply = new MessageBuilder().SetTopic(ClientHarness.Parent).SetLiteTopic(request.Properties[ReplyToProperty]).SetBody(request.Body)
            .AddProperty(SlotProperty, request.Properties[SlotProperty]).Build();
        await _producer.SendAsync(reply, ct);
        return ConsumeResult.Success;
    }

    private ConsumeResult Complete(MessageView reply)
    {
        int slot = int.Parse(reply.Properties[SlotProperty], CultureInfo.InvariantCulture);
        Volatile.Read(ref _waiting[slot])?.TrySetResult();
        return ConsumeResult.Success;
    }
}
