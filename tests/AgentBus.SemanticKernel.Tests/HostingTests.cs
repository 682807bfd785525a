using AgentBus.SemanticKernel.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using static AgentBus.SemanticKernel.Tests.Infrastructure.Kernels;

namespace AgentBus.SemanticKernel.Tests;

/// <summary>
/// Kernel agents registered with <c>services.AddAgentBus().AddKernelAgent(...)</c>, started and stopped with the host;
/// the tests share one broker and use agent names of their own.
/// </summary>
public sealed class HostingTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task Kernel_agents_registered_in_DI_start_with_the_host_and_talk_through_the_bus()
    {
        var fixture = shared.Broker;
        var expertModel = ScriptedChatClient.Answering(question => $"[expert] {question}");
        var leadModel = ScriptedChatClient.CallingTool(Tool("ask_agent"), Args(("agentId", "expert"), ("question", "which storage?")),
            result => $"lead heard: {result}");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKernel();
        builder.Services.AddSingleton(new ChatClientBuilder(leadModel).UseKernelFunctionInvocation().Build().AsChatCompletionService());
        builder.Services.AddAgentBus(o =>
            {
                o.Endpoints = fixture.Endpoint;
                o.LoggerFactory = fixture.Test.LoggerFactory;
            })
            .AddKernelAgent("lead", "You coordinate.", new KernelAgentOptions { BusPlugin = new AgentBusPluginOptions() })
            .AddKernelAgent("expert", "You know storage.", kernel: _ => With(expertModel))
            .AddAgent("gateway");
        using var host = builder.Build();
        await host.StartAsync();

        var gateway = host.Services.GetRequiredKeyedService<Agent>("gateway");
        Assert.Equal("lead heard: [expert] which storage?", await gateway.RequestAsync<string, string>("lead", "go"));
        Assert.Equal((ChatRole.System, "You coordinate."), (leadModel.Calls.First().Messages[0].Role, leadModel.Calls.First().Messages[0].Text));

        await host.StopAsync();
    }

    [Fact]
    public async Task A_registered_kernel_without_a_chat_completion_service_fails_the_start()
    {
        var fixture = shared.Broker;
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKernel();
        builder.Services.AddAgentBus(o =>
            {
                o.Endpoints = fixture.Endpoint;
                o.LoggerFactory = fixture.Test.LoggerFactory;
            })
            .AddKernelAgent("writer");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("no chat completion service", error.Message, StringComparison.Ordinal);
        await host.StopAsync();
    }
}
