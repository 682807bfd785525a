using System.Diagnostics;
using AgentBus.Broker;
using AgentBus.Broker.Storage;
using AgentBus.Broker.Topics;
using AgentBus.Server.Hosting;
using AgentBus.Server.Metrics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentBus.Server.Tests;

public sealed class HostingTests
{
    [Fact]
    public void Configuration_binds_engine_server_and_declared_resources()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Server:Port"] = "9123",
            ["Server:LongPollingTimeout"] = "00:00:15",
            ["Broker:DataDirectory"] = "/tmp/agentbus-config-test",
            ["Broker:FlushMode"] = "Sync",
            ["Broker:MaxLiteSubscriptionsPerClient"] = "42",
            ["Broker:Topics:0:Name"] = "agents",
            ["Broker:Topics:0:MessageType"] = "Lite",
            ["Broker:Topics:1:Name"] = "ledger",
            ["Broker:Topics:1:MessageType"] = "Fifo",
            ["Broker:Topics:1:QueueCount"] = "8",
            ["Broker:Groups:0:Name"] = "gateways",
            ["Broker:Groups:0:BindTopic"] = "agents",
            ["Broker:Groups:0:LiteMode"] = "Exclusive",
        });

        builder.AddAgentBusBroker();
        using var services = builder.Services.BuildServiceProvider();

        var server = services.GetRequiredService<IOptions<ServerOptions>>().Value;
        var broker = services.GetRequiredService<IOptions<BrokerOptions>>().Value;
        var declared = services.GetRequiredService<IOptions<ResourceDeclarations>>().Value;
        Assert.Equal(9123, server.Port);
        Assert.Equal(TimeSpan.FromSeconds(15), server.LongPollingTimeout);
        Assert.Equal(FlushMode.Sync, broker.FlushMode);
        Assert.Equal(42, broker.MaxLiteSubscriptionsPerClient);
        Assert.Equal("/tmp/agentbus-config-test", broker.DataDirectory);
        Assert.Equal([("agents", TopicMessageType.Lite, 4), ("ledger", TopicMessageType.Fifo, 8)],
            declared.Topics.Select(t => (t.Name, t.MessageType, t.QueueCount)));
        var group = Assert.Single(declared.Groups);
        Assert.Equal(("gateways", "agents", LiteSharingMode.Exclusive), (group.Name, group.BindTopic, group.LiteMode));
    }

    [Theory]
    [InlineData(null, null, true, false)]
    [InlineData("false", "true", false, true)]
    public void The_socket_transport_takes_the_server_settings(string? inline, string? waitForData, bool expectedInline, bool expectedWait)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        var settings = new Dictionary<string, string?>();
        if (inline is not null)
        {
            settings["Server:InlineScheduling"] = inline;
        }

        if (waitForData is not null)
        {
            settings["Server:WaitForDataBeforeAllocatingBuffer"] = waitForData;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddAgentBusBroker();
        using var services = builder.Services.BuildServiceProvider();

        var sockets = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>>().Value;
        Assert.Equal(expectedInline, sockets.UnsafePreferInlineScheduling);
        Assert.Equal(expectedWait, sockets.WaitForDataBeforeAllocatingBuffer);
    }

    [Fact]
    public async Task Stopping_the_broker_ends_waiting_long_polls_promptly()
    {
        // Disposed in the middle of the test; the using covers a failure before that (disposal is idempotent).
        await using var broker = await TestBroker.StartAsync();
        var client = broker.Client();
        using var call = client.Stub.ReceiveMessage(TestClient.ReceiveRequest("quiet", "g", poll: TimeSpan.FromSeconds(30)),
            client.Options(TimeSpan.FromSeconds(40)));
        var reading = call.ResponseStream.ReadAllAsync().ToListAsync().AsTask();
        var metrics = broker.Broker.Services.GetRequiredService<BrokerMetrics>();
        await Eventually.TrueAsync(() => metrics.WaitingReceives == 1);

        var timer = Stopwatch.StartNew();
        await broker.DisposeAsync();

        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(5), $"Stopping took {timer.Elapsed}.");
        try
        {
            var responses = await reading.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(Code.MessageNotFound, responses.Last().Status.Code);
        }
        catch (RpcException)
        {
            // The connection may close before the closing status arrives; either way the call ended.
        }
    }

    [Fact]
    public async Task Invalid_server_options_fail_the_start()
    {
        await Assert.ThrowsAnyAsync<Exception>(() => TestBroker.StartAsync(configureServer: s => s.ReceiveBatchSize = 0));
    }

    [Fact]
    public void Tls_and_auth_settings_bind_from_configuration()
    {
        string pfx = Path.GetTempFileName();
        try
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Server:Tls:CertificatePath"] = pfx,
                ["Server:Tls:CertificatePassword"] = "pfx-password",
                ["Server:Auth:Enabled"] = "true",
                ["Server:Auth:DateTimeTolerance"] = "00:05:00",
                ["Server:Auth:Users:0:AccessKey"] = "ak-1",
                ["Server:Auth:Users:0:SecretKey"] = "sk-1",
                ["Server:Auth:Users:1:AccessKey"] = "ak-2",
                ["Server:Auth:Users:1:SecretKey"] = "sk-2",
            });

            builder.AddAgentBusBroker();
            using var services = builder.Services.BuildServiceProvider();

            var server = services.GetRequiredService<IOptions<ServerOptions>>().Value;
            Assert.True(server.Tls.Enabled);
            Assert.Equal((pfx, null, "pfx-password"), (server.Tls.CertificatePath, server.Tls.KeyPath, server.Tls.CertificatePassword));
            Assert.True(server.Auth.Enabled);
            Assert.Equal(TimeSpan.FromMinutes(5), server.Auth.DateTimeTolerance);
            Assert.Equal([("ak-1", "sk-1"), ("ak-2", "sk-2")], server.Auth.Users.Select(u => (u.AccessKey, u.SecretKey)));
            Assert.DoesNotContain("sk-1", server.Auth.Users[0].ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    [Fact]
    public void Tls_and_auth_are_off_by_default()
    {
        var server = new ServerOptions();

        Assert.False(server.Tls.Enabled);
        Assert.False(server.Auth.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(15), server.Auth.DateTimeTolerance);
    }

    [Theory]
    [InlineData("Server:Auth:Enabled", "true")]
    [InlineData("Server:Auth:Users:0:AccessKey", "ak-without-secret")]
    [InlineData("Server:Auth:DateTimeTolerance", "00:00:00")]
    [InlineData("Server:Tls:CertificatePath", "/nonexistent/server.pfx")]
    [InlineData("Server:Tls:KeyPath", "/tmp/server.key")]
    public void Invalid_tls_or_auth_settings_are_refused(string key, string value)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });

        Assert.ThrowsAny<ArgumentException>(() => builder.AddAgentBusBroker());
    }

    [Fact]
    public async Task Duplicate_access_keys_fail_the_start()
    {
        await Assert.ThrowsAnyAsync<Exception>(() => TestBroker.StartAsync(configureServer: server =>
        {
            server.Auth.Enabled = true;
            server.Auth.Users.Add(new AuthUser { AccessKey = "ak", SecretKey = "one" });
            server.Auth.Users.Add(new AuthUser { AccessKey = "ak", SecretKey = "two" });
        }));
    }
}
