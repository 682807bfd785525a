using System.Diagnostics;
using AgentBus.Server.Embedded;
using AgentBus.Server.Metrics;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// Lite long-poll latency over gRPC on loopback: a consumer waits in ReceiveMessage on its lite topic; the time from
/// the start of a producer's SendMessage to the consumer reading the message off its stream, per round.
/// </summary>
internal static class LiteLatencyE2eScenario
{
    public static async Task RunAsync(HarnessOptions options)
    {
        int rounds = options.MessagesGiven ? options.Messages : 5_000;
        int body = options.BodyGiven ? options.BodySize : 1024;
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { DataDirectory = options.Directory });
        try
        {
            var metrics = broker.Services.GetRequiredService<BrokerMetrics>();
            using var producerChannel = E2eClient.Channel(broker.Endpoint);
            using var consumerChannel = E2eClient.Channel(broker.Endpoint);
            var producer = new E2eClient(producerChannel, "harness-producer");
            var consumer = new E2eClient(consumerChannel, "harness-consumer");
            var sync = new SyncLiteSubscriptionRequest
            {
                Action = LiteSubscriptionAction.PartialAdd,
                Topic = new Resource { Name = "bench-agents" },
                Group = new Resource { Name = "bench-workers" },
                LiteTopicSet = { "hot-session" },
            };
            await consumer.Stub.SyncLiteSubscriptionAsync(sync, consumer.Options(TimeSpan.FromSeconds(10)));
            var send = new SendMessageRequest { Messages = { E2eClient.Message("bench-agents", "hot-session", body, 0) } };
            var receive = new ReceiveMessageRequest
            {
                Group = new Resource { Name = "bench-workers" },
                MessageQueue = new MessageQueue { Topic = new Resource { Name = "bench-agents" }, Id = -1 },
                BatchSize = 1,
                InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
                LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
            };

            var summary = await LatencyRounds.RunAsync(rounds, TimeSpan.FromSeconds(options.WarmupSeconds), async () =>
            {
                using var call = consumer.Stub.ReceiveMessage(receive, consumer.Options(TimeSpan.FromSeconds(15)));
                var reading = ReadMessageAsync(call);
                await WaitUntilWaitingAsync(metrics);
                long start = Stopwatch.GetTimestamp();
                await producer.Stub.SendMessageAsync(send, producer.Options(TimeSpan.FromSeconds(10)));
                var message = await reading;
                double micros = Stopwatch.GetElapsedTime(start).TotalMicroseconds;

                var ack = new AckMessageRequest { Group = receive.Group, Topic = receive.MessageQueue.Topic };
                ack.Entries.Add(new AckMessageEntry { MessageId = message.SystemProperties.MessageId, ReceiptHandle = message.SystemProperties.ReceiptHandle });
                await consumer.Stub.AckMessageAsync(ack, consumer.Options(TimeSpan.FromSeconds(10)));
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    // drain the closing status
                }

                return micros;
            });
            Console.WriteLine($"lite-latency-e2e: {rounds:N0} rounds, {body} B: send start -> consumer has message: {summary}");
        }
        finally
        {
            await broker.DisposeAsync();
            if (Directory.Exists(options.Directory))
            {
                Directory.Delete(options.Directory, recursive: true);
            }
        }
    }

    private static async Task<Message> ReadMessageAsync(AsyncServerStreamingCall<ReceiveMessageResponse> call)
    {
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            var response = call.ResponseStream.Current;
            if (response.ContentCase == ReceiveMessageResponse.ContentOneofCase.Message)
            {
                return response.Message;
            }

            if (response.ContentCase == ReceiveMessageResponse.ContentOneofCase.Status)
            {
                throw new InvalidOperationException($"Receive ended without a message: {response.Status.Code} {response.Status.Message}");
            }
        }

        throw new InvalidOperationException("Receive stream ended without a message.");
    }

    private static async Task WaitUntilWaitingAsync(BrokerMetrics metrics)
    {
        var timer = Stopwatch.StartNew();
        while (metrics.WaitingReceives == 0)
        {
            if (timer.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException("The receive never started waiting.");
            }

            await Task.Yield();
        }
    }
}
