using System.Collections.Concurrent;
using System.Text;
using AgentBus.Broker.Topics;
using AgentBus.Client.Consuming;
using AgentBus.Client.Producing;
using AgentBus.Reliability.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AgentBus.Reliability.Tests.Fuzz;

/// <summary>
/// Every RPC of MessagingService (17), AdminService and the message stream fed random bytes, mutated valid requests (bit flips,
/// truncation, unknown fields, field-level edits), odd headers and oversize bodies, from a seeded generator. The
/// broker must answer each within its deadline, never with gRPC INTERNAL/UNKNOWN or an INTERNAL_ERROR status, log
/// no error for any of it, and still carry a message from a producer to a consumer after every batch.
/// CI sends <see cref="HarnessSettings.FuzzRequests"/> requests with a fixed seed; docs/testing.md has the long run.
/// </summary>
public sealed class ProtocolFuzzTests(ITestOutputHelper output)
{
    private const int BatchSize = 100;
    private const int Parallelism = 8;

    [Fact]
    public async Task Garbage_on_every_RPC_gets_a_clean_refusal_and_the_broker_keeps_serving()
    {
        int seed = HarnessSettings.FuzzSeed;
        int total = HarnessSettings.FuzzRequests;
        output.WriteLine($"AGENTBUS_FUZZ_SEED={seed} AGENTBUS_FUZZ_REQUESTS={total}");

        await using var broker = await TestBroker.StartAsync(minimumLogLevel: LogLevel.Debug);
        broker.Engine.Topics.CreateTopic(new TopicDefinition(Seeds.NormalTopic, TopicMessageType.Normal));
        broker.Engine.Topics.CreateTopic(new TopicDefinition(Seeds.LiteParent, TopicMessageType.Lite));
        broker.Engine.Topics.CreateTopic(new TopicDefinition(RoundTrip.Topic, TopicMessageType.Normal, QueueCount: 1));
        await using var roundTrip = await RoundTrip.StartAsync(broker);
        var generator = new CaseGenerator(new Seeds(await DeliveriesAsync(broker)), new Random(seed), FuzzInvoker.MaxRequestBytes);
        var invoker = new FuzzInvoker(broker.Channel);
        var statuses = new ConcurrentDictionary<(string Rpc, StatusCode Status), int>();
        var codes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);

        for (int sent = 0, batch = 1; sent < total; batch++)
        {
            var cases = new List<FuzzCase>();
            for (; cases.Count < BatchSize && sent < total; sent++)
            {
                cases.Add(generator.Next());
            }

            int logged = broker.Logs.Count;
            var failures = await SendAsync(broker, invoker, cases, statuses, codes);
            var errors = ErrorsSince(broker, logged);
            if (failures.Count > 0 && errors.Count == 0 && failures.All(IsConnectionLoss))
            {
                // Only calls whose connection went away, no wrong answer and no error: the connection, shared by 8
                // parallel calls of up to 10 MB on 2 loaded cores, was closed by the transport under one of them (Kestrel's
                // reason is in the output). The batch is sent once more on a connection of its own; a case the broker
                // really mishandles fails again there, or alone below.
                output.WriteLine($"Batch {batch}: {failures.Count} calls lost their connection; the batch is sent again on a new one:\n" +
                    string.Join("\n", failures.Take(10)));
                WriteTransportLog(broker, logged);
                using var fresh = broker.NewChannel();
                logged = broker.Logs.Count;
                failures = await SendAsync(broker, new FuzzInvoker(fresh), cases, statuses, codes);
                errors = ErrorsSince(broker, logged);
            }

            if (failures.Count > 0 || errors.Count > 0)
            {
                WriteTransportLog(broker, logged);
                Assert.Fail($"Batch {batch} (AGENTBUS_FUZZ_SEED={seed}, cases #{cases[0].Number}..#{cases[^1].Number}):\n" +
                    string.Join("\n", failures.Take(20)) + "\n" + string.Join("\n", errors.Take(5)) +
                    "\nReplayed one at a time, each on a connection of its own:\n" + await IsolateAsync(broker, cases));
            }

            await roundTrip.AssertAsync(batch);
        }

        output.WriteLine($"{total} requests; by RPC and gRPC status:");
        foreach (var group in statuses.OrderBy(static s => s.Key.Rpc, StringComparer.Ordinal).ThenBy(static s => s.Key.Status))
        {
            output.WriteLine($"  {group.Key.Rpc} {group.Key.Status}: {group.Value}");
        }

        output.WriteLine("by RPC and the first status code of the answer: " +
            string.Join(", ", codes.OrderBy(static c => c.Key, StringComparer.Ordinal).Select(static c => $"{c.Key} {c.Value}")));
        Assert.Equal(Rpc.All.Count, statuses.Keys.Select(static k => k.Rpc).Distinct().Count());
        output.WriteLine($"broker warnings: {broker.Logs.Count(static e => e.Level == LogLevel.Warning)}, " +
            $"with an exception: {broker.Logs.Count(static e => e.Exception is not null)}");
    }

    /// <summary>Sends a batch, <see cref="Parallelism"/> calls at a time, and returns the problems found.</summary>
    private static async Task<IReadOnlyList<string>> SendAsync(TestBroker broker, FuzzInvoker invoker, IReadOnlyList<FuzzCase> cases,
        ConcurrentDictionary<(string Rpc, StatusCode Status), int> statuses, ConcurrentDictionary<string, int> codes)
    {
        var failures = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (fuzz, _) =>
        {
            // Known issue (docs/testing.md): the rest of an oversize body can reach Kestrel after the stream ended,
            // and it closes that connection; such a body goes on a connection of its own so no other call shares it.
            using var own = fuzz.IsOversize ? broker.NewChannel() : null;
            var (status, code, problems) = await (own is null ? invoker : new FuzzInvoker(own)).InvokeAsync(fuzz);
            statuses.AddOrUpdate((fuzz.Rpc.Name, status), 1, static (_, n) => n + 1);
            codes.AddOrUpdate($"{fuzz.Rpc.Name} {code?.ToString() ?? "(no status)"}", 1, static (_, n) => n + 1);
            foreach (string problem in problems)
            {
                failures.Enqueue($"{fuzz}: {problem}");
            }
        });

        return [.. failures];
    }

    /// <summary>A call that failed because its HTTP/2 connection was closed under it, not for what the broker answered.</summary>
    private static bool IsConnectionLoss(string failure) =>
        failure.Contains(": transport failure: ", StringComparison.Ordinal) ||
        failure.Contains("HTTP/2 server closed the connection", StringComparison.Ordinal);

    private static List<LogEntry> ErrorsSince(TestBroker broker, int logged) =>
        broker.Logs.Skip(logged).Where(static entry => entry.Level >= LogLevel.Error).ToList();

    /// <summary>The transport's own account since <paramref name="logged"/>: why Kestrel closed a connection.</summary>
    private void WriteTransportLog(TestBroker broker, int logged)
    {
        foreach (var entry in broker.Logs.Skip(logged).Where(static e => e.Category.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal)))
        {
            output.WriteLine(entry.ToString());
        }
    }

    /// <summary>
    /// The cases of a failed batch that fail on their own, each sent alone on a new connection, so a case that breaks
    /// the connection for its neighbours (or logs an error) is told apart from them.
    /// </summary>
    private static async Task<string> IsolateAsync(TestBroker broker, IReadOnlyList<FuzzCase> cases)
    {
        var culprits = new List<string>();
        foreach (var fuzz in cases)
        {
            int logged = broker.Logs.Count;
            using var channel = broker.NewChannel();
            var (_, _, problems) = await new FuzzInvoker(channel).InvokeAsync(fuzz);
            var errors = broker.Logs.Skip(logged).Where(static entry => entry.Level >= LogLevel.Error).ToList();
            if (problems.Count > 0 || errors.Count > 0)
            {
                culprits.Add($"{fuzz}: {string.Join("; ", problems)} {string.Join("; ", errors)}");
            }
        }

        return culprits.Count == 0 ? "(none fails alone)" : string.Join("\n", culprits);
    }

    /// <summary>Messages really delivered to the fuzz group, whose ids and receipt handles the seeds use.</summary>
    private static async Task<IReadOnlyList<(string, string)>> DeliveriesAsync(TestBroker broker)
    {
        await using var producer = await broker.Provider.NewProducerBuilder().SetTopics(Seeds.NormalTopic).BuildAsync();
        for (int i = 0; i < 16; i++)
        {
            await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic(Seeds.NormalTopic).SetBody($"seed {i}").Build());
        }

        await using var consumer = await broker.Provider.NewSimpleConsumerBuilder().SetConsumerGroup(Seeds.Group)
            .Subscribe(Seeds.NormalTopic, FilterExpression.All).SetAwaitDuration(TimeSpan.FromMilliseconds(200)).BuildAsync();
        var deliveries = new List<(string, string)>();
        // Bounded: a few rounds over the 4 queues.
        for (int i = 0; i < 40 && deliveries.Count < 16; i++)
        {
            foreach (var message in await consumer.ReceiveAsync(16, TimeSpan.FromMinutes(5)))
            {
                deliveries.Add((message.MessageId, message.ReceiptHandle));
            }
        }

        Assert.NotEmpty(deliveries);
        return deliveries;
    }

    /// <summary>A producer and a consumer of their own that must still exchange a message after each batch.</summary>
    private sealed class RoundTrip(TestBroker broker, Producer producer, SimpleConsumer consumer) : IAsyncDisposable
    {
        public const string Topic = "fuzz-roundtrip";

        public static async Task<RoundTrip> StartAsync(TestBroker broker)
        {
            var producer = await broker.Provider.NewProducerBuilder().SetTopics(Topic).BuildAsync();
            var consumer = await broker.Provider.NewSimpleConsumerBuilder().SetConsumerGroup("fuzz-roundtrip-group")
                .Subscribe(Topic, FilterExpression.All).SetAwaitDuration(TimeSpan.FromSeconds(2)).BuildAsync();
            return new RoundTrip(broker, producer, consumer);
        }

        public async Task AssertAsync(int batch)
        {
            string body = $"after batch {batch}";
            await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic(Topic).SetBody(body).Build());
            // Bounded: the message is the only one in the single queue; a few polls at most.
            for (int poll = 0; poll < 5; poll++)
            {
                foreach (var message in await consumer.ReceiveAsync(8, TimeSpan.FromSeconds(30)))
                {
                    await consumer.AckAsync(message);
                    if (Encoding.UTF8.GetString(message.Body.Span) == body)
                    {
                        return;
                    }
                }
            }

            Assert.Fail($"After batch {batch} the broker no longer carries a message from a producer to a consumer.");
        }

        public async ValueTask DisposeAsync()
        {
            await consumer.DisposeAsync();
            await producer.DisposeAsync();
        }
    }
}
