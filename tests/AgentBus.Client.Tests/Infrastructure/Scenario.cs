using AgentBus.Broker.Topics;
using AgentBus.Client.Consuming;
using AgentBus.Client.Lite;
using AgentBus.Client.Messages;
using AgentBus.Client.Producing;

namespace AgentBus.Client.Tests.Infrastructure;

/// <summary>Shorthands for the usual setup: a lite parent, a producer, a lite push consumer.</summary>
internal static class Scenario
{
    public const string Parent = "agents";

    public static void CreateLiteParent(this TestBroker broker, string parent = Parent)
    {
        if (!broker.Engine.Topics.TryGetTopic(parent, out _))
        {
            broker.Engine.Topics.CreateTopic(new TopicDefinition(parent, Broker.Topics.TopicMessageType.Lite));
        }
    }

    public static Task<Producer> ProducerAsync(this TestBroker broker) => broker.Provider.NewProducerBuilder().BuildAsync();

    public static Task<LitePushConsumer> LiteConsumerAsync(this TestBroker broker, string group, MessageListener listener, string parent = Parent,
        Action<LitePushConsumerBuilder>? configure = null)
    {
        var builder = broker.Provider.NewLitePushConsumerBuilder().BindTopic(parent).SetConsumerGroup(group).SetMessageListener(listener);
        configure?.Invoke(builder);
        return builder.BuildAsync();
    }

    public static Message Lite(this TestBroker broker, string liteTopic, string body, string parent = Parent) =>
        broker.Provider.NewMessageBuilder().SetTopic(parent).SetLiteTopic(liteTopic).SetBody(body).Build();

    public static string Text(this MessageView message) => System.Text.Encoding.UTF8.GetString(message.Body.Span);
}
