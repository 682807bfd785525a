using AgentBus.Server.Auth;
using Grpc.Core;

namespace AgentBus.Server.Errors;

/// <summary>
/// Binds a generated service's methods with <see cref="MalformedRequests.Lenient"/> request marshallers, so a body
/// that does not decode reaches the service's own error handling instead of failing inside grpc-dotnet. Each service
/// names it in its <see cref="BindServiceMethodAttribute"/>, which grpc-dotnet prefers over the generated one.
/// </summary>
/// <param name="inner">grpc-dotnet's binder.</param>
/// <param name="boundElsewhere">
/// Methods the service binds itself (with their own response marshaller) through an <c>IServiceMethodProvider</c>:
/// left out here, so that grpc-dotnet sees each method once.
/// </param>
internal sealed class LenientRequestBinder(ServiceBinderBase inner, string? boundElsewhere = null) : ServiceBinderBase
{
    /// <inheritdoc />
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Lenient(method), handler);

    /// <inheritdoc />
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Lenient(method), handler);

    /// <inheritdoc />
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (method.Name != boundElsewhere)
        {
            inner.AddMethod(Lenient(method), handler);
        }
    }

    /// <inheritdoc />
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (method.Name != boundElsewhere)
        {
            inner.AddMethod(Lenient(method), handler);
        }
    }

    /// <summary>A request marshaller that lets malformed bodies reach the handler (see <see cref="MalformedRequests"/>).</summary>
    public static Marshaller<TRequest> LenientRequests<TRequest, TResponse>(Marshaller<TRequest> marshaller)
        where TRequest : class
        where TResponse : class =>
        MalformedRequests.Lenient(marshaller, placeholder: StatusReply<TResponse>.HasStatus);

    private static Method<TRequest, TResponse> Lenient<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class =>
        new(method.Type, method.ServiceName, method.Name,
            MalformedRequests.Lenient(method.RequestMarshaller, placeholder: StatusReply<TResponse>.HasStatus),
            method.ResponseMarshaller);
}
