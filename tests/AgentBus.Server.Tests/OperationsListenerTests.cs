using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentBus.Broker.Topics;
using AgentBus.Server.Hosting;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace AgentBus.Server.Tests;

/// <summary>
/// The operations listener (<c>Server:Http</c>) over real HTTP/1.1 on loopback: health endpoints, the Prometheus scrape
/// endpoint, the dashboard's API and its access rules, and the configuration keys. In a collection run alone, so the
/// brokers a test starts are the only ones with an operations listener (each scrape shows its own broker's figures
/// only: see <c>Two_brokers_in_one_process_each_scrape_only_their_own_figures</c>).
/// </summary>
[Collection(nameof(OperationsListenerTests))]
[CollectionDefinition(nameof(OperationsListenerTests), DisableParallelization = true)]
public sealed partial class OperationsListenerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static Task<TestBroker> StartAsync(Action<ServerOptions>? configure = null) =>
        TestBroker.StartAsync(configureServer: server =>
        {
            server.Http.Enabled = true;
            configure?.Invoke(server);
        });

    private static Uri Ops(TestBroker broker, string path) =>
        new(broker.Broker.OperationsAddress ?? throw new InvalidOperationException("The operations listener is off."), path);

    [Fact]
    public async Task Health_endpoints_answer_on_their_own_port_and_not_on_the_grpc_port()
    {
        await using var broker = await StartAsync();
        using var http = new HttpClient();

        Assert.NotEqual(broker.Port, broker.Broker.OperationsAddress!.Port);
        using (var live = await http.GetAsync(Ops(broker, "/healthz/live")))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        }

        using (var ready = await http.GetAsync(Ops(broker, "/healthz/ready")))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // The gRPC port speaks HTTP/2 (prior knowledge): the operations endpoints are not found there.
        using var h2 = new HttpRequestMessage(HttpMethod.Get, new Uri(broker.Address, "/healthz/ready"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var onGrpcPort = await http.SendAsync(h2);
        Assert.Equal(HttpStatusCode.NotFound, onGrpcPort.StatusCode);

        // The embedded broker's dashboard is off unless asked for.
        using var dashboard = await http.GetAsync(Ops(broker, "/dashboard/"));
        Assert.Equal(HttpStatusCode.NotFound, dashboard.StatusCode);
    }

    [Fact]
    public async Task Readiness_fails_as_soon_as_the_broker_begins_to_stop_while_liveness_holds()
    {
        var broker = await StartAsync();
        await using var _ = broker;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var lifetime = broker.Services.GetRequiredService<IHostApplicationLifetime>();
        HttpStatusCode? readyWhileStopping = null, liveWhileStopping = null;
        Uri readyUri = Ops(broker, "/healthz/ready"), liveUri = Ops(broker, "/healthz/live");
        // Runs when the stop begins, before the listeners close: the probe a load balancer would make then.
        lifetime.ApplicationStopping.Register(() =>
        {
            using var ready = http.Send(new HttpRequestMessage(HttpMethod.Get, readyUri));
            readyWhileStopping = ready.StatusCode;
            using var live = http.Send(new HttpRequestMessage(HttpMethod.Get, liveUri));
            liveWhileStopping = live.StatusCode;
        });

        await broker.StopAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyWhileStopping);
        Assert.Equal(HttpStatusCode.OK, liveWhileStopping);
    }

    [Fact]
    public async Task Readiness_is_unhealthy_until_the_server_has_started()
    {
        // The listener binds only after recovery, so no HTTP probe can reach a recovering broker; the check itself
        // says "starting" until the host has started, engine open and endpoints bound.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        string data = Path.Combine(Path.GetTempPath(), "agentbus-ready-" + Guid.NewGuid().ToString("N"));
        builder.AddAgentBusBroker(broker => broker.DataDirectory = data, server =>
        {
            server.Port = 0;
            server.Http.Enabled = true;
            server.Http.Port = 0;
        });
        await using var app = builder.Build();
        app.MapAgentBusBroker();
        var health = app.Services.GetRequiredService<HealthCheckService>();
        try
        {
            var before = await health.CheckHealthAsync(check => check.Tags.Contains("ready"));
            Assert.Equal(HealthStatus.Degraded, before.Status);
            Assert.Equal("The broker is starting.", Assert.Single(before.Entries).Value.Description);

            await app.StartAsync();
            var after = await health.CheckHealthAsync(check => check.Tags.Contains("ready"));
            Assert.Equal(HealthStatus.Healthy, after.Status);
            await app.StopAsync();
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Prometheus_scrape_reports_the_broker_counters_after_traffic()
    {
        await using var broker = await StartAsync();
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        var client = broker.Client();
        await client.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["s1", "s2"]);
        await client.SendAsync(TestClient.Message("agents", "a", liteTopic: "s1"), TestClient.Message("agents", "b", liteTopic: "s1"),
            TestClient.Message("agents", "c", liteTopic: "s2"));
        var received = await client.ReceiveAsync("agents", "g", poll: TimeSpan.FromSeconds(5));
        Assert.Equal(3, received.Messages.Count);
        await client.AckAsync("agents", "g", [.. received.Messages.Take(2)]);

        using var http = new HttpClient();
        string scrape = "";
        // The exporter caches a scrape briefly: read until the counters caught up, then check them all.
        await Eventually.TrueAsync(async () =>
        {
            scrape = await http.GetStringAsync(Ops(broker, "/metrics"));
            return Value(scrape, "agentbus_messages_acked_total") == 2;
        }, Timeout, "the scrape to count both acks");

        Assert.Equal(3, Value(scrape, "agentbus_messages_in_total"));
        Assert.Equal(3, Value(scrape, "agentbus_messages_out_total"));
        Assert.Equal(2, Value(scrape, "agentbus_messages_acked_total"));
        Assert.Equal(2, Value(scrape, "agentbus_lite_topics"));
        Assert.Equal(1, Value(scrape, "agentbus_lite_clients"));
        Assert.Contains("# TYPE agentbus_messages_in_total counter", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_scrape_carries_the_runtime_heap_after_the_last_collection()
    {
        await using var broker = await StartAsync();
        using var http = new HttpClient();
        // The broker runs in this process: a full collection here is the one the runtime meter reports.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        long gen2 = GC.CollectionCount(2);
        string scrape = "";
        await Eventually.TrueAsync(async () =>
        {
            scrape = await http.GetStringAsync(Ops(broker, "/metrics"));
            return Generation(scrape, "dotnet_gc_collections_total", "gen2") >= gen2;
        }, Timeout, "the scrape to count the forced collection");

        string[] generations = ["gen0", "gen1", "gen2", "loh", "poh"];
        long heap = generations.Sum(generation => Math.Max(0, Generation(scrape, "dotnet_gc_last_collection_heap_size_bytes", generation)));
        Assert.All(generations, generation => Assert.True(Generation(scrape, "dotnet_gc_last_collection_heap_size_bytes", generation) >= 0, generation));
        Assert.True(heap > 0, "no heap size after the last collection");
        Assert.True(Value(scrape, "dotnet_gc_last_collection_memory_committed_size_bytes") > 0);
        Assert.True(Value(scrape, "dotnet_process_memory_working_set_bytes") > 0);
        Assert.Contains("otel_scope_name=\"System.Runtime\"", scrape, StringComparison.Ordinal);
        Assert.Equal(0, Value(scrape, "agentbus_lite_topics")); // the broker's own figures are still there
    }

    [Fact]
    public async Task Two_brokers_in_one_process_each_scrape_only_their_own_figures()
    {
        await using var first = await StartAsync();
        await using var second = await StartAsync();
        foreach (var broker in new[] { first, second })
        {
            broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        }

        await first.Client().SendAsync(TestClient.Message("agents", "a", liteTopic: "s1"), TestClient.Message("agents", "b", liteTopic: "s1"));
        var client = second.Client();
        await client.SendAsync(TestClient.Message("agents", "c", liteTopic: "s1"), TestClient.Message("agents", "d", liteTopic: "s2"),
            TestClient.Message("agents", "e", liteTopic: "s3"));
        await client.SendAsync(TestClient.Message("agents", "f", liteTopic: "s3"), TestClient.Message("agents", "g", liteTopic: "s3"));

        using var http = new HttpClient();
        string firstScrape = "", secondScrape = "";
        await Eventually.TrueAsync(async () =>
        {
            firstScrape = await http.GetStringAsync(Ops(first, "/metrics"));
            secondScrape = await http.GetStringAsync(Ops(second, "/metrics"));
            return Value(firstScrape, "agentbus_messages_in_total") >= 2 && Value(secondScrape, "agentbus_messages_in_total") >= 5;
        }, Timeout, "both scrapes to count their sends");

        // Summed, each would read 7 messages and 4 lite topics.
        Assert.Equal(2, Value(firstScrape, "agentbus_messages_in_total"));
        Assert.Equal(5, Value(secondScrape, "agentbus_messages_in_total"));
        Assert.Equal(1, Value(firstScrape, "agentbus_lite_topics"));
        Assert.Equal(3, Value(secondScrape, "agentbus_lite_topics"));
        Assert.Equal(first.Engine.CommitLogPosition, Value(firstScrape, "agentbus_commitlog_position_bytes"));
        Assert.Single(firstScrape.Split('\n'), line => line.StartsWith("agentbus_messages_in_total", StringComparison.Ordinal));
        // The runtime meter is the process's: each scrape carries it once, not once per broker.
        Assert.Single(secondScrape.Split('\n'), line => line.StartsWith("dotnet_gc_collections_total{", StringComparison.Ordinal)
            && line.Contains("gc_heap_generation=\"gen2\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dashboard_api_needs_an_admin_users_credentials_when_authentication_is_on()
    {
        await using var broker = await StartAsync(server =>
        {
            server.Http.Dashboard = true;
            server.Auth.Enabled = true;
            server.Auth.Users.Add(new AuthUser { AccessKey = "ops", SecretKey = "ops-secret", Admin = true });
            server.Auth.Users.Add(new AuthUser { AccessKey = "app", SecretKey = "app-secret" });
        });
        using var http = new HttpClient();

        async Task<HttpResponseMessage> GetAsync(string path, string? user)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Ops(broker, path));
            if (user is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(user)));
            }

            return await http.SendAsync(request);
        }

        foreach (string? user in new[] { null, "ops:wrong", "app:app-secret", "nobody:x" })
        {
            foreach (string path in new[] { "/dashboard/", "/dashboard/dashboard.js", "/dashboard/api/overview" })
            {
                using var refused = await GetAsync(path, user);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.StartsWith("Basic", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }
        }

        using var page = await GetAsync("/dashboard/", "ops:ops-secret");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<title>AgentBus broker</title>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        using var overview = await GetAsync("/dashboard/api/overview", "ops:ops-secret");
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        using var json = JsonDocument.Parse(await overview.Content.ReadAsStringAsync());
        Assert.Equal(0, json.RootElement.GetProperty("messagesIn").GetInt64());

        // Health and metrics stay open to probes and scrapers.
        using var ready = await GetAsync("/healthz/ready", null);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Dashboard_api_shows_a_lite_topic_and_its_messages()
    {
        await using var broker = await StartAsync(server => server.Http.Dashboard = true);
        broker.Engine.Topics.CreateTopic(new TopicDefinition("bus", TopicMessageType.Lite));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", "bus"));
        var client = broker.Client();
        var message = TestClient.Message("bus", "<b>hello</b>", liteTopic: "agent|writer");
        message.UserProperties["note"] = "<script>alert(1)</script>";
        await client.SendAsync(message, TestClient.Message("bus", "two", liteTopic: "agent|writer"), TestClient.Message("bus", "x", liteTopic: "session|s%2F1"));
        using var http = new HttpClient();

        using var overview = JsonDocument.Parse(await http.GetStringAsync(Ops(broker, "/dashboard/api/overview")));
        var root = overview.RootElement;
        Assert.Equal(3, root.GetProperty("messagesIn").GetInt64());
        Assert.Equal(3, root.GetProperty("backlog").GetInt64());
        var agent = Assert.Single(root.GetProperty("agents").GetProperty("top").EnumerateArray());
        Assert.Equal("writer", agent.GetProperty("id").GetString());
        Assert.Equal(2, agent.GetProperty("backlog").GetInt64());
        var session = Assert.Single(root.GetProperty("sessions").GetProperty("top").EnumerateArray());
        Assert.Equal("s/1", session.GetProperty("id").GetString());
        Assert.Equal("agent|writer", root.GetProperty("topLiteTopics")[0].GetProperty("name").GetString());

        using var detail = JsonDocument.Parse(await http.GetStringAsync(Ops(broker, "/dashboard/api/lite-topic?parent=bus&name=" + Uri.EscapeDataString("agent|writer"))));
        var messages = detail.RootElement.GetProperty("messages");
        Assert.Equal(2, messages.GetArrayLength());
        var newestLast = messages[1];
        Assert.Equal("<b>hello</b>", newestLast.GetProperty("bodyText").GetString());
        Assert.Equal("<script>alert(1)</script>", newestLast.GetProperty("properties").GetProperty("note").GetString());
        Assert.Equal(2, detail.RootElement.GetProperty("groups")[0].GetProperty("backlog").GetInt64());

        using var missing = await http.GetAsync(Ops(broker, "/dashboard/api/lite-topic?parent=bus&name=nope"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // The page's relative links need the trailing slash: /dashboard redirects to /dashboard/.
        using var page = await http.GetAsync(Ops(broker, "/dashboard"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("/dashboard/", page.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("text/javascript", (await http.GetAsync(Ops(broker, "/dashboard/dashboard.js"))).Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public void Misspelt_or_clashing_http_keys_are_refused()
    {
        var misspelt = Assert.ThrowsAny<ArgumentException>(() => Build(new() { ["Server:Http:Prot"] = "9000" }));
        Assert.Contains("Unknown configuration key 'Server:Http:Prot'. Did you mean 'Server:Http:Port'?", misspelt.Message, StringComparison.Ordinal);

        var clash = Assert.ThrowsAny<ArgumentException>(() => Build(new() { ["Server:Port"] = "9000", ["Server:Http:Enabled"] = "true", ["Server:Http:Port"] = "9000" }));
        Assert.Contains("Server:Http:Port 9000 is the broker's gRPC port", clash.Message, StringComparison.Ordinal);

        var address = Assert.ThrowsAny<ArgumentException>(() => Build(new() { ["Server:Http:Enabled"] = "true", ["Server:Http:Address"] = "ops.local" }));
        Assert.Contains("Server:Http:Address 'ops.local' is not an IP address", address.Message, StringComparison.Ordinal);

        static void Build(Dictionary<string, string?> values)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.Configuration.AddInMemoryCollection(values);
            builder.AddAgentBusBroker();
        }
    }

    [Fact]
    public async Task The_standalone_broker_serves_health_beside_its_listen_urls()
    {
        string data = Path.Combine(Path.GetTempPath(), "agentbus-ops-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var host = HostProcess.Start("--urls", "http://127.0.0.1:0", $"--Broker:DataDirectory={data}");
            string grpcLine = await host.WaitForLineAsync("AgentBus broker listening on", Timeout);
            string opsLine = await host.WaitForLineAsync("AgentBus operations endpoint on", Timeout);
            var grpc = new Uri(GrpcAddress().Match(grpcLine).Groups[1].Value);
            var ops = new Uri(OpsAddress().Match(opsLine).Groups[1].Value);
            Assert.NotEqual(grpc.Port, ops.Port);
            Assert.NotEqual(8082, ops.Port);
            Assert.DoesNotContain(host.Output, line => line.Contains("Overriding address", StringComparison.Ordinal));

            using var http = new HttpClient();
            using var ready = await http.GetAsync(new Uri(ops, "/healthz/ready"));
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(ops, "/dashboard/"))).StatusCode);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    /// <summary>The value of the one sample of <paramref name="metric"/> in a Prometheus text scrape; -1 when absent.</summary>
    /// <summary>The value of a runtime metric's series for one GC generation, or -1 when absent.</summary>
    private static long Generation(string scrape, string metric, string generation)
    {
        foreach (string line in scrape.Split('\n'))
        {
            if (line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains($"gc_heap_generation=\"{generation}\"", StringComparison.Ordinal))
            {
                return (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    private static long Value(string scrape, string metric)
    {
        foreach (string line in scrape.Split('\n'))
        {
            if (line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            {
                string value = line[(line.LastIndexOf(' ') + 1)..];
                return (long)double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    [GeneratedRegex(@"AgentBus broker listening on (\S+)")]
    private static partial Regex GrpcAddress();

    [GeneratedRegex(@"AgentBus operations endpoint on (\S+)")]
    private static partial Regex OpsAddress();
}
