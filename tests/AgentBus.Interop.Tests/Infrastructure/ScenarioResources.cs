using System.Globalization;
using System.Reflection;
using System.Text.Json;
using AgentBus.Broker;
using AgentBus.Broker.Topics;
using AgentBus.Server.Hosting;

namespace AgentBus.Interop.Tests.Infrastructure;

/// <summary>
/// The topics, groups, broker options and authenticated users a scenario declares in <c>tests/Interop/scenarios/resources.json</c>,
/// the one list both the Node.js scenarios and these tests read.
/// </summary>
internal sealed class ScenarioResources
{
    private readonly JsonElement _declaration;

    private ScenarioResources(string scenario, JsonElement declaration)
    {
        Scenario = scenario;
        _declaration = declaration;
    }

    public string Scenario { get; }

    public static ScenarioResources For(string scenario)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(InteropPaths.ResourcesFile));
        if (!document.RootElement.TryGetProperty(scenario, out var declaration))
        {
            throw new InvalidOperationException($"{InteropPaths.ResourcesFile} declares nothing for scenario '{scenario}'.");
        }

        return new ScenarioResources(scenario, declaration.Clone());
    }

    /// <summary>Sets the declared <c>broker</c> options, named after <see cref="BrokerOptions"/> properties.</summary>
    public void ApplyTo(BrokerOptions options)
    {
        if (!_declaration.TryGetProperty("broker", out var broker))
        {
            return;
        }

        foreach (var setting in broker.EnumerateObject())
        {
            var property = typeof(BrokerOptions).GetProperty(setting.Name, BindingFlags.Public | BindingFlags.Instance)
                ?? throw new InvalidOperationException($"resources.json ({Scenario}) sets unknown broker option '{setting.Name}'.");
            object value = property.PropertyType == typeof(bool) ? setting.Value.GetBoolean()
                : property.PropertyType.IsEnum ? Enum.Parse(property.PropertyType, setting.Value.GetString()!)
                : Convert.ChangeType(setting.Value.ToString(), property.PropertyType, CultureInfo.InvariantCulture);
            property.SetValue(options, value);
        }
    }

    /// <summary>
    /// Turns authentication on with the declared <c>auth.users</c> (<c>accessKey</c>, <c>secretKey</c>, optional
    /// <c>permissions</c>: <c>actions</c>, <c>topic</c>, <c>liteTopics</c>, <c>groups</c>); without an <c>auth</c>
    /// declaration the broker accepts every call. A user that declares no permissions may do everything
    /// (<c>DefaultAllow</c>), as the scenarios written before permissions expect.
    /// </summary>
    public void ApplyTo(ServerOptions options)
    {
        if (!_declaration.TryGetProperty("auth", out var auth))
        {
            return;
        }

        options.Auth.Enabled = true;
        options.Auth.DefaultAllow = true;
        foreach (var declared in auth.GetProperty("users").EnumerateArray())
        {
            var user = new AuthUser
            {
                AccessKey = declared.GetProperty("accessKey").GetString()!,
                SecretKey = declared.GetProperty("secretKey").GetString()!,
            };
            if (declared.TryGetProperty("permissions", out var permissions))
            {
                foreach (var permission in permissions.EnumerateArray())
                {
                    user.Permissions.Add(PermissionOf(permission));
                }
            }

            options.Auth.Users.Add(user);
        }
    }

    private static AuthPermission PermissionOf(JsonElement declared)
    {
        var permission = new AuthPermission
        {
            Actions = Enum.Parse<AuthActions>(declared.GetProperty("actions").GetString()!),
            Topic = declared.GetProperty("topic").GetString()!,
        };
        foreach (var (property, list) in new[] { ("liteTopics", permission.LiteTopics), ("groups", permission.Groups) })
        {
            if (declared.TryGetProperty(property, out var patterns))
            {
                foreach (var pattern in patterns.EnumerateArray())
                {
                    list.Add(pattern.GetString()!);
                }
            }
        }

        return permission;
    }

    /// <summary>Creates the declared topics and consumer groups.</summary>
    public void CreateIn(TopicRegistry topics)
    {
        foreach (var topic in _declaration.GetProperty("topics").EnumerateArray())
        {
            var type = Enum.Parse<TopicMessageType>(topic.GetProperty("messageType").GetString()!);
            topics.CreateTopic(new TopicDefinition(topic.GetProperty("name").GetString()!, type));
        }

        foreach (var group in _declaration.GetProperty("groups").EnumerateArray())
        {
            var definition = new ConsumerGroupDefinition(
                group.GetProperty("name").GetString()!,
                BindTopic: group.TryGetProperty("bindTopic", out var bind) ? bind.GetString() : null,
                Fifo: group.TryGetProperty("fifo", out var fifo) && fifo.GetBoolean());
            if (group.TryGetProperty("maxDeliveryAttempts", out var attempts))
            {
                definition = definition with { MaxDeliveryAttempts = attempts.GetInt32() };
            }

            if (group.TryGetProperty("liteMode", out var liteMode))
            {
                definition = definition with { LiteMode = Enum.Parse<LiteSharingMode>(liteMode.GetString()!) };
            }

            topics.CreateGroup(definition);
        }
    }
}
