using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Tests.Infrastructure;

/// <summary>
/// A raw protocol client: the generated stub plus the x-mq-* headers an official client sends, and whatever
/// <paramref name="sign"/> adds (credentials).
/// </summary>
internal sealed class TestClient(GrpcChannel channel, string clientId, Action<Metadata>? sign = null)
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    public string ClientId { get; } = clientId;

    public MessagingService.MessagingServiceClient Stub { get; } = new(channel);

    public Metadata Headers()
    {
        var headers = new Metadata
        {
            { "x-mq-client-id", ClientId },
            { "x-mq-language", "DOT_NET" },
            { "x-mq-protocol-version", "v2" },
            { "x-mq-request-id", Guid.NewGuid().ToString() },
        };
        sign?.Invoke(headers);
        return headers;
    }

    public CallOptions Options(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        new(Headers(), DateTime.UtcNow + (timeout ?? CallTimeout), cancellationToken);

    public static Resource Res(string name) => new() { Name = name };

    public static Message Message(string topic, string body, string? liteTopic = null, string? tag = null, string? messageGroup = null,
        MessageType type = MessageType.Normal, IDictionary<string, string>? properties = null)
    {
        var system = new SystemProperties
        {
            MessageId = Guid.NewGuid().ToString("N").ToUpperInvariant(),
            BornTimestamp = Timestamp.FromDateTime(DateTime.UtcNow),
            BornHost = "test-host",
            BodyEncoding = Encoding.Identity,
            MessageType = liteTopic is not null ? MessageType.Lite : messageGroup is not null ? MessageType.Fifo : type,
        };
        if (liteTopic is not null)
        {
            system.LiteTopic = liteTopic;
        }

        if (tag is not null)
        {
            system.Tag = tag;
        }

        if (messageGroup is not null)
        {
            system.MessageGroup = messageGroup;
        }

        var message = new Message { Topic = Res(topic), SystemProperties = system, Body = ByteString.CopyFromUtf8(body) };
        if (properties is not null)
        {
            message.UserProperties.Add(properties);
        }

        return message;
    }

    public async Task<SendMessageResponse> SendAsync(params Message[] messages)
    {
        var request = new SendMessageRequest();
        request.Messages.Add(messages);
        return await Stub.SendMessageAsync(request, Options());
    }

    public async Task<SendResultEntry> SendOkAsync(Message message)
    {
        var response = await SendAsync(message);
        Assert.Equal(Code.Ok, response.Status.Code);
        return Assert.Single(response.Entries);
    }

    public async Task<Status> SyncLiteAsync(string topic, string group, LiteSubscriptionAction action, IEnumerable<string> liteTopics,
        OffsetOption? offset = null, long? version = null)
    {
        var request = new SyncLiteSubscriptionRequest { Action = action, Topic = Res(topic), Group = Res(group) };
        request.LiteTopicSet.Add(liteTopics);
        if (offset is not null)
        {
            request.OffsetOption = offset;
        }

        if (version is { } v)
        {
            request.Version = v;
        }

        return (await Stub.SyncLiteSubscriptionAsync(request, Options())).Status;
    }

    public static ReceiveMessageRequest ReceiveRequest(string topic, string group, int batch = 32, TimeSpan? poll = null,
        TimeSpan? invisible = null, int queueId = -1, string? tagFilter = null, bool autoRenew = false)
    {
        var request = new ReceiveMessageRequest
        {
            Group = Res(group),
            MessageQueue = new MessageQueue { Topic = Res(topic), Id = queueId, Permission = Permission.Read },
            BatchSize = batch,
            LongPollingTimeout = Duration.FromTimeSpan(poll ?? TimeSpan.FromSeconds(1)),
            AutoRenew = autoRenew,
            FilterExpression = new FilterExpression { Type = FilterType.Tag, Expression = tagFilter ?? "*" },
        };
        if (!autoRenew || invisible is not null)
        {
            request.InvisibleDuration = Duration.FromTimeSpan(invisible ?? TimeSpan.FromSeconds(30));
        }

        return request;
    }

    public async Task<ReceiveResult> ReceiveAsync(ReceiveMessageRequest request, CancellationToken cancellationToken = default)
    {
        using var call = Stub.ReceiveMessage(request, Options(cancellationToken: cancellationToken));
        var result = new ReceiveResult();
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            result.Responses.Add(response);
        }

        return result;
    }

    public Task<ReceiveResult> ReceiveAsync(string topic, string group, int batch = 32, TimeSpan? poll = null, TimeSpan? invisible = null) =>
        ReceiveAsync(ReceiveRequest(topic, group, batch, poll, invisible));

    public async Task<Code> AckAsync(string topic, string group, params Message[] messages)
    {
        var request = new AckMessageRequest { Group = Res(group), Topic = Res(topic) };
        foreach (var message in messages)
        {
            request.Entries.Add(new AckMessageEntry { MessageId = message.SystemProperties.MessageId, ReceiptHandle = message.SystemProperties.ReceiptHandle });
        }

        var response = await Stub.AckMessageAsync(request, Options());
        return response.Status.Code;
    }
}

/// <summary>Everything a ReceiveMessage stream carried.</summary>
internal sealed class ReceiveResult
{
    public List<ReceiveMessageResponse> Responses { get; } = [];

    public IReadOnlyList<Message> Messages => [.. Responses.Where(r => r.ContentCase == ReceiveMessageResponse.ContentOneofCase.Message).Select(r => r.Message)];

    public Status? Status => Responses.LastOrDefault(r => r.ContentCase == ReceiveMessageResponse.ContentOneofCase.Status)?.Status;

    public IReadOnlyList<string> Bodies => [.. Messages.Select(m => m.Body.ToStringUtf8())];
}
