using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentBus.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task Agents_registered_in_DI_start_with_the_host_and_answer_through_keyed_agent_handles()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentBus:Embedded"] = "true",
            ["AgentBus:InstanceId"] = "gateway-7",
            ["AgentBus:MaxConcurrency"] = "8",
        });
        builder.Services.AddSingleton<Greeting>(new Greeting("Hello"));
        builder.Services.AddAgentBus(builder.Configuration.GetSection(AgentBusOptions.SectionName))
            .AddAgent("echo", (ctx, ct) => ctx.ReplyAsync(ctx.GetBody<string>(), ct))
            .AddAgent<GreeterHandler>("greeter")
            .AddAgent("gateway");
        using var host = builder.Build();
        await host.StartAsync();

        var gateway = host.Services.GetRequiredKeyedService<Agent>("gateway");
        var bus = host.Services.GetRequiredService<AgentBusClient>();
        Assert.Equal("gateway-7", bus.InstanceId);
        Assert.Equal(8, host.Services.GetRequiredService<IOptions<AgentBusOptions>>().Value.MaxConcurrency);
        Assert.NotNull(bus.EmbeddedBroker);
        Assert.Equal("ping", await gateway.RequestAsync<string, string>("echo", "ping"));
        Assert.Equal("Hello, Ada", await gateway.RequestAsync<string, string>("greeter", "Ada"));
        Assert.Equal("Hello, Alan", await gateway.RequestAsync<string, string>("greeter", "Alan"));
        Assert.Equal(2, GreeterHandler.Created); // one handler (and DI scope) per message

        await host.StopAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => bus.CreateAgentAsync("late"));
    }

    [Fact]
    public async Task A_handler_built_from_the_services_when_the_host_starts_serves_the_agent()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKeyedSingleton<Greeting>("french", new Greeting("Bonjour"));
        int built = 0;
        builder.Services.AddAgentBus(o => o.Embedded = true)
            .AddAgent("greeter", services =>
            {
                built++;
                var greeting = services.GetRequiredKeyedService<Greeting>("french");
                return (ctx, ct) => ctx.ReplyAsync($"{greeting.Word}, {ctx.GetBody<string>()}", ct);
            })
            .AddAgent("gateway");
        using var host = builder.Build();
        await host.StartAsync();
        var gateway = host.Services.GetRequiredKeyedService<Agent>("gateway");

        Assert.Equal("Bonjour, Ada", await gateway.RequestAsync<string, string>("greeter", "Ada"));
        Assert.Equal("Bonjour, Alan", await gateway.RequestAsync<string, string>("greeter", "Alan"));
        Assert.Equal(1, built);

        await host.StopAsync();
    }

    [Fact]
    public async Task Stopping_the_host_lets_a_running_handler_finish_first()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = false;
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAgentBus(o => o.Embedded = true)
            .AddAgent("worker", async (ctx, ct) =>
            {
                started.TrySetResult();
                await Task.Delay(200, CancellationToken.None);
                finished = true;
            })
            .AddAgent("sender");
        using var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredKeyedService<Agent>("sender").SendToAsync("worker", "job");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await host.StopAsync();

        Assert.True(finished);
    }

    [Fact]
    public void Options_without_a_broker_are_refused_at_start_with_a_clear_message()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAgentBus(o => { });
        using var host = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<AgentBusOptions>>().Value);

        Assert.Contains("Endpoints", error.Message, StringComparison.Ordinal);
    }

    private sealed record Greeting(string Word);

    private sealed class GreeterHandler(Greeting greeting) : IAgentHandler
    {
        public static int Created;

        public ValueTask HandleAsync(AgentContext context, CancellationToken ct)
        {
            Interlocked.Increment(ref Created);
            return context.ReplyAsync($"{greeting.Word}, {context.GetBody<string>()}", ct);
        }
    }
}
