using Grpc.Core;

namespace AgentBus.Protocol.Tests;

/// <summary>Records the methods a generated service binds: their full gRPC paths and streaming kinds.</summary>
internal sealed class RecordingBinder : ServiceBinderBase
{
    public List<(string FullName, MethodType Type)> Methods { get; } = [];

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        Methods.Add((method.FullName, method.Type));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        Methods.Add((method.FullName, method.Type));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        Methods.Add((method.FullName, method.Type));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        Methods.Add((method.FullName, method.Type));
}
