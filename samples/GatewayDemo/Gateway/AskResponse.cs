using System.Text.Json;

namespace GatewayDemo.Gateway;

/// <summary>The answer of <c>POST /agents/{agent}/ask</c>.</summary>
/// <param name="Agent">The agent asked.</param>
/// <param name="RequestId">The bus request id.</param>
/// <param name="Instance">The gateway instance that asked and received the reply (its AgentBus instance id).</param>
/// <param name="Reply">The agent's reply, as the agent wrote it.</param>
public sealed record AskResponse(string Agent, string RequestId, string Instance, JsonElement Reply);
