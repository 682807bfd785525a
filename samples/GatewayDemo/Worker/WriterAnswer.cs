namespace GatewayDemo.Worker;

/// <summary>The writer's whole answer to a request.</summary>
/// <param name="Text">The answer.</param>
/// <param name="ReplyTopic">The lite topic the reply was sent to: the asking gateway instance's reply topic.</param>
/// <param name="Worker">The instance id of the worker process that wrote it.</param>
public sealed record WriterAnswer(string Text, string ReplyTopic, string Worker);
