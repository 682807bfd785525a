namespace GatewayDemo.Gateway;

/// <summary>The JSON body of <c>POST /agents/{agent}/ask</c> and <c>POST /agents/{agent}/stream</c>.</summary>
/// <param name="Question">What to ask the agent (sent to it as a JSON string).</param>
/// <param name="TimeoutMs">How long to wait for the reply (or each next streamed chunk); null uses the gateway's default.</param>
public sealed record AskBody(string? Question, int? TimeoutMs);
