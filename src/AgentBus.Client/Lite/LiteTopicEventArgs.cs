namespace AgentBus.Client.Lite;

/// <summary>Names the lite topic an event is about.</summary>
/// <param name="liteTopic">The lite topic.</param>
public sealed class LiteTopicEventArgs(string liteTopic) : EventArgs
{
    /// <summary>The lite topic.</summary>
    public string LiteTopic { get; } = liteTopic;
}
