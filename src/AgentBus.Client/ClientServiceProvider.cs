using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming;
using AgentBus.Client.Lite;
using AgentBus.Client.Messages;
using AgentBus.Client.Producing;

namespace AgentBus.Client;

/// <summary>
/// The entry point: builders for messages, producers and consumers, all connected with one
/// <see cref="ClientConfiguration"/>.
/// </summary>
/// <example>
/// <code>
/// var provider = new ClientServiceProvider(new ClientConfiguration { Endpoints = "127.0.0.1:8081" });
/// await using var producer = await provider.NewProducerBuilder().BuildAsync();
/// await producer.SendAsync(provider.NewMessageBuilder().SetTopic("agentbus").SetLiteTopic("session-42").SetBody("hi").Build());
/// </code>
/// </example>
public sealed class ClientServiceProvider
{
    /// <summary>Creates a provider for one access point.</summary>
    /// <param name="configuration">Endpoints, namespace, timeouts, credentials, TLS.</param>
    public ClientServiceProvider(ClientConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Validate();
        Configuration = configuration;
    }

    /// <summary>The configuration every client built here uses.</summary>
    public ClientConfiguration Configuration { get; }

    /// <summary>A builder for a message.</summary>
    public MessageBuilder NewMessageBuilder() => new();

    /// <summary>A builder for a producer.</summary>
    public ProducerBuilder NewProducerBuilder() => new(Configuration);

    /// <summary>A builder for a consumer of lite topics with a listener.</summary>
    public LitePushConsumerBuilder NewLitePushConsumerBuilder() => new(Configuration);

    /// <summary>A builder for a consumer of lite topics that receives on demand.</summary>
    public LiteSimpleConsumerBuilder NewLiteSimpleConsumerBuilder() => new(Configuration);

    /// <summary>A builder for a consumer of normal topics that receives on demand.</summary>
    public SimpleConsumerBuilder NewSimpleConsumerBuilder() => new(Configuration);

    /// <summary>A builder for a consumer of normal topics with a listener.</summary>
    public PushConsumerBuilder NewPushConsumerBuilder() => new(Configuration);
}
