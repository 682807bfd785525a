namespace AgentBus.Benchmarks.Harness;

/// <summary>Dispatches `harness` scenarios: measurements that need a whole process (memory, restart time).</summary>
internal static class HarnessRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        string scenario = args.Length > 0 ? args[0] : "";
        if (scenario == "peers")
        {
            // Its own flags (--quick stands alone), the rest as below.
            return await PeersScenario.RunAsync(args[1..]);
        }

        bool keepLogPages = args.Contains("--keep-log-pages");
        var options = HarnessOptions.Parse(args.Length > 1 ? args[1..].Where(a => a != "--keep-log-pages").ToArray() : []);
        switch (scenario)
        {
            case "lite-scale":
                await LiteScaleScenario.RunAsync(options, keepLogPages);
                return 0;
            case "restart":
                await RestartScenario.RunAsync(options);
                return 0;
            case "pop-latency":
                await PopLatencyScenario.RunAsync(options);
                return 0;
            case "send-e2e":
                await SendE2eScenario.RunAsync(options);
                return 0;
            case "lite-latency-e2e":
                await LiteLatencyE2eScenario.RunAsync(options);
                return 0;
            case "client-throughput":
                await ClientThroughputScenario.RunAsync(options);
                return 0;
            case "client-latency":
                await ClientLatencyScenario.RunAsync(options);
                return 0;
            case "rpc-latency":
                await RpcLatencyScenario.RunAsync(options);
                return 0;
            case "lite-list":
                await LiteListScenario.RunAsync(options);
                return 0;
            case "client-subscriptions":
                await ClientSubscriptionScaleScenario.RunAsync(options);
                return 0;
            case "agent-request":
                await AgentRequestScenario.RunAsync(options);
                return 0;
            case "agent-stream":
                await AgentStreamScenario.RunAsync(options);
                return 0;
            case "flood":
                await FloodScenario.RunAsync(options);
                return 0;
            case "offsets":
                await OffsetsScenario.RunAsync(options);
                return 0;
            case "agent-sessions":
                await AgentSessionsScenario.RunAsync(options);
                return 0;
            default:
                Console.Error.WriteLine("usage: harness lite-scale|lite-list|restart|pop-latency|send-e2e|lite-latency-e2e|rpc-latency|client-throughput|client-latency|client-subscriptions"
                    + "|agent-request|agent-stream|agent-sessions|flood|offsets|peers"
                    + " [--topics N] [--messages N] [--body BYTES] [--dir PATH] [--batch N] [--concurrency N] [--endpoint HOST:PORT] [--lite-topics N]"
                    + " [--flush async|sync] [--coalesce N] [--polls N] [--workers N] [--gap-us N] [--warmup-s SECONDS] [--continuous 0|1] [--ack-linger-ms MS] [--drain 1]"
                    + " [--rounds N] [--chunks N] [--sessions N] [--seconds N] [--active N (offsets)] [--quick (peers)]");
                return 2;
        }
    }
}

/// <summary>Options shared by the scenarios.</summary>
internal sealed record HarnessOptions(int Topics, int Messages, int BodySize, string Directory, int Batch = 64, int Concurrency = 4,
    string? Endpoint = null, bool MessagesGiven = false, bool BodyGiven = false, int LiteTopics = 0, bool SyncFlush = false,
    bool BatchGiven = false, bool ConcurrencyGiven = false, int Coalesce = 0, int Polls = 1, int Workers = 8, int GapMicros = 0, bool Drain = false, double WarmupSeconds = 10,
    bool Continuous = true, double AckLingerMs = 1, int Rounds = 0, int Chunks = 1000, int Sessions = 10_000, bool CoalesceGiven = false, double Seconds = 30, int Active = 0)
{
    public static HarnessOptions Parse(string[] args)
    {
        int topics = 1_000_000, messages = 0, body = 100, batch = 64, concurrency = 4, liteTopics = 0;
        string? endpoint = null;
        int coalesce = 0, polls = 1, workers = 8, gapMicros = 0;
        bool drain = false;
        double warmupSeconds = 10;
        bool continuous = true;
        double ackLingerMs = 1;
        int rounds = 0, chunks = 1000, sessions = 10_000;
        double seconds = 30;
        int active = 0;
        bool bodyGiven = false, syncFlush = false, batchGiven = false, concurrencyGiven = false, coalesceGiven = false;
        string directory = Path.Combine(Path.GetTempPath(), "agentbus-harness-" + Environment.ProcessId);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--topics": topics = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--messages": messages = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--body": body = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); bodyGiven = true; break;
                case "--batch": batch = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); batchGiven = true; break;
                case "--concurrency": concurrency = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); concurrencyGiven = true; break;
                case "--endpoint": endpoint = args[i + 1]; break;
                case "--flush": syncFlush = string.Equals(args[i + 1], "sync", StringComparison.OrdinalIgnoreCase); break;
                case "--lite-topics": liteTopics = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--dir": directory = args[i + 1]; break;
                case "--coalesce": coalesce = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); coalesceGiven = true; break;
                case "--polls": polls = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--workers": workers = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--drain": drain = args[i + 1] is "1" or "true"; break;
                case "--continuous": continuous = args[i + 1] is "1" or "true"; break;
                case "--ack-linger-ms": ackLingerMs = double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--warmup-s": warmupSeconds = double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--gap-us": gapMicros = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--chunks": chunks = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--sessions": sessions = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--active": active = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option {args[i]}");
            }
        }

        return new HarnessOptions(topics, messages == 0 ? topics : messages, body, directory, batch, concurrency, endpoint, messages != 0, bodyGiven, liteTopics,
            syncFlush, batchGiven, concurrencyGiven, coalesce, polls, workers, gapMicros, drain, warmupSeconds, continuous, ackLingerMs, rounds, chunks, sessions,
            coalesceGiven, seconds, active);
    }
}
