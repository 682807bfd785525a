namespace GatewayDemo.Gateway;

/// <summary>
/// The bus request one gateway instance sends another's control agent (<see cref="GatewayAgentHost.ControlAgentId"/>)
/// before resuming a stream that instance relayed: let go of it. The reply is whether it was relaying it.
/// </summary>
/// <param name="RequestId">The stream's request id.</param>
internal sealed record ReleaseStream(string RequestId);
