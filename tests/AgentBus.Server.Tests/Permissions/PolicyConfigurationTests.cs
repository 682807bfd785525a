using AgentBus.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentBus.Server.Tests.Permissions;

/// <summary>Permissions bind from configuration, and a policy that does not say what it means refuses the start.</summary>
public sealed class PolicyConfigurationTests
{
    [Fact]
    public void Permissions_bind_from_configuration()
    {
        var builder = Builder(new()
        {
            ["Server:Auth:DefaultAllow"] = "true",
            ["Server:Auth:Users:0:Admin"] = "true",
            ["Server:Auth:Users:0:Permissions:0:Actions"] = "Publish, Subscribe",
            ["Server:Auth:Users:0:Permissions:0:Topic"] = "agentbus",
            ["Server:Auth:Users:0:Permissions:0:LiteTopics:0"] = "agent|billing",
            ["Server:Auth:Users:0:Permissions:0:LiteTopics:1"] = "session|billing-*",
            ["Server:Auth:Users:0:Permissions:0:Groups:0"] = "agentbus",
        });

        builder.AddAgentBusBroker();
        using var services = builder.Services.BuildServiceProvider();

        var auth = services.GetRequiredService<IOptionsMonitor<ServerAuthOptions>>().CurrentValue;
        Assert.True(auth.DefaultAllow);
        var user = Assert.Single(auth.Users);
        Assert.True(user.Admin);
        var permission = Assert.Single(user.Permissions);
        Assert.Equal(AuthActions.Publish | AuthActions.Subscribe, permission.Actions);
        Assert.Equal("agentbus", permission.Topic);
        Assert.Equal(["agent|billing", "session|billing-*"], permission.LiteTopics);
        Assert.Equal(["agentbus"], permission.Groups);
    }

    [Theory]
    [InlineData("Actions", "Publsh", "'Publsh'")]
    [InlineData("Actions", "None", "Actions must be")]
    [InlineData("Topic", "", "Topic is not a name pattern")]
    [InlineData("LiteTopics:0", "agent| billing", "LiteTopics:0 is not a name pattern")]
    [InlineData("LiteTopic:0", "agent|billing", "Permissions:0:LiteTopic")]
    public void A_permission_that_does_not_bind_or_validate_refuses_the_start(string key, string value, string reason)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Server:Auth:Users:0:Permissions:0:Actions"] = "Publish",
            ["Server:Auth:Users:0:Permissions:0:Topic"] = "agentbus",
        };
        settings["Server:Auth:Users:0:Permissions:0:" + key] = value;
        var builder = Builder(settings);

        var refused = Assert.ThrowsAny<ArgumentException>(() => builder.AddAgentBusBroker());

        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    private static WebApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        settings["Server:Auth:Enabled"] = "true";
        settings["Server:Auth:Users:0:AccessKey"] = "billing";
        settings["Server:Auth:Users:0:SecretKey"] = "billing-secret";
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }
}
