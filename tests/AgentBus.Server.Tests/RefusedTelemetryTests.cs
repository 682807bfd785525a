using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace AgentBus.Server.Tests;

/// <summary>
/// A Telemetry stream the broker refuses at once (no client id, an id too long) while its client goes on writing
/// commands. Found by the protocol fuzzer (tests/AgentBus.Reliability.Tests): the handler returned without reading
/// the request stream, and the commands the client went on sending reached Kestrel after the stream had ended, which
/// then closed the whole HTTP/2 connection (GOAWAY STREAM_CLOSED), failing every other call on it.
/// </summary>
public sealed class RefusedTelemetryTests
{
    private static Method<byte[], byte[]> Telemetry { get; } = new(MethodType.DuplexStreaming, "apache.rocketmq.v2.MessagingService", "Telemetry",
        Marshallers.Create(static bytes => bytes, static bytes => bytes), Marshallers.Create(static bytes => bytes, static bytes => bytes));

    [Theory]
    [InlineData("")]
    [InlineData("a client id far longer than the broker accepts")]
    [InlineData("oversize", Skip = "Known issue: a Telemetry command above Server:MaxReceiveMessageSize ends the stream with "
        + "PAYLOAD_TOO_LARGE, but gRPC's reader cannot skip the rest of that message, so the client's remaining DATA frames "
        + "arrive on a closed stream and Kestrel closes the whole connection (GOAWAY STREAM_CLOSED).")]
    public async Task A_refused_telemetry_stream_that_goes_on_writing_leaves_the_connection_serving_other_calls(string clientId)
    {
        await using var broker = await TestBroker.StartAsync(configureServer: server =>
        {
            server.MaxClientIdLength = 20;
            if (clientId == "oversize")
            {
                server.MaxReceiveMessageSize = 64 * 1024;
            }
        }, minimumLogLevel: LogLevel.Debug);
        var good = broker.Client();
        var invoker = broker.Channel.CreateCallInvoker();
        // Large commands: more than the stream's flow-control window is still on its way when the broker answers.
        byte[] command = new TelemetryCommand
        {
            Settings = new Settings { ClientType = ClientType.Producer, UserAgent = new UA { Hostname = new string('h', 300_000) } },
        }.ToByteArray();
        var headers = new Metadata();
        if (clientId.Length > 0)
        {
            headers.Add("x-mq-client-id", clientId);
        }

        // Bounded: rounds of 8 refused streams at once, each writing a few large commands, beside heartbeats.
        for (int round = 0; round < 10; round++)
        {
            var heartbeat = good.Stub.HeartbeatAsync(new HeartbeatRequest(), good.Options()).ResponseAsync;
            var refusals = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => RefusedAsync(invoker, headers, command)));
            foreach (var refusal in refusals)
            {
                Assert.Equal(clientId switch { "" => Code.ClientIdRequired, "oversize" => Code.PayloadTooLarge, _ => Code.BadRequest }, refusal.Status.Code);
            }

            Assert.Equal(Code.Ok, (await heartbeat).Status.Code);
        }

        Assert.Equal(Code.Ok, (await good.Stub.HeartbeatAsync(new HeartbeatRequest(), good.Options())).Status.Code);
        Assert.DoesNotContain(broker.Logs, entry => entry.Level >= LogLevel.Error);
    }

    private static async Task<TelemetryCommand> RefusedAsync(CallInvoker invoker, Metadata headers, byte[] command)
    {
        using var call = invoker.AsyncDuplexStreamingCall(Telemetry, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(10)));
        var answers = ReadAllAsync(call.ResponseStream);
        try
        {
            for (int i = 0; i < 4; i++)
            {
                await call.RequestStream.WriteAsync(command);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The broker may end the stream before the client has written everything.
        }

        return TelemetryCommand.Parser.ParseFrom(Assert.Single(await answers));
    }

    private static async Task<List<byte[]>> ReadAllAsync(IAsyncStreamReader<byte[]> stream)
    {
        var answers = new List<byte[]>();
        while (await stream.MoveNext(CancellationToken.None))
        {
            answers.Add(stream.Current);
        }

        return answers;
    }
}
