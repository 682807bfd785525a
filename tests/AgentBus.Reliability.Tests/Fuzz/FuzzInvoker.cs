using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Reliability.Tests.Fuzz;

/// <summary>
/// Sends a fuzz case to the broker and judges the answer: it must come within the call's deadline (a streaming call
/// may run into it: a long poll legitimately waits), end with a gRPC status other than INTERNAL or UNKNOWN, and every
/// response must decode as its type and carry no INTERNAL_ERROR status anywhere in it.
/// </summary>
internal sealed class FuzzInvoker(GrpcChannel channel)
{
    /// <summary>Server:MaxReceiveMessageSize by default: 2 x MaxMessageBodySize + MaxPropertiesSize + 1 MiB.</summary>
    public const int MaxRequestBytes = (2 * 4 * 1024 * 1024) + (16 * 1024) + (1024 * 1024);

    private static readonly TimeSpan UnaryDeadline = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StreamingDeadline = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);
    private readonly CallInvoker _invoker = channel.CreateCallInvoker();

    /// <summary>The gRPC status and the problems found, empty when the broker answered as it should.</summary>
    public async Task<(StatusCode Status, Code? Code, IReadOnlyList<string> Problems)> InvokeAsync(FuzzCase fuzz)
    {
        var problems = new List<string>();
        Code? code = null;
        var deadline = DateTime.UtcNow + (fuzz.Rpc.IsStreaming ? StreamingDeadline : UnaryDeadline);
        var options = new CallOptions(fuzz.Headers, deadline);
        StatusCode status;
        try
        {
            var responses = await CallAsync(fuzz, options).WaitAsync((fuzz.Rpc.IsStreaming ? StreamingDeadline : UnaryDeadline) + Grace);
            status = StatusCode.OK;
            foreach (byte[] response in responses)
            {
                code ??= Judge(fuzz.Rpc, response, problems);
            }
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            // Refusing the rest of an oversize body, the server may reset the stream while the client still sends it.
            bool oversizeReset = status == StatusCode.Cancelled && fuzz.IsOversize;
            if (status is StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled && !oversizeReset)
            {
                problems.Add($"gRPC {status}: {ex.Status.Detail}");
            }
            else if (status == StatusCode.DeadlineExceeded && !fuzz.Rpc.IsStreaming)
            {
                problems.Add("no answer within the deadline");
            }
        }
        catch (TimeoutException)
        {
            status = StatusCode.DeadlineExceeded;
            problems.Add("hang: the call did not end even after its deadline");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Below gRPC: the connection itself failed (this call's answer, or another call's on the same connection).
            status = StatusCode.Unavailable;
            problems.Add($"transport failure: {ex.GetType().Name}: {ex.Message}");
        }

        return (status, code, problems);
    }

    private async Task<List<byte[]>> CallAsync(FuzzCase fuzz, CallOptions options)
    {
        var method = fuzz.Rpc.Method;
        switch (fuzz.Rpc.Type)
        {
            case MethodType.Unary:
                return [await _invoker.AsyncUnaryCall(method, null, options, fuzz.Requests[0])];
            case MethodType.ServerStreaming:
            {
                using var call = _invoker.AsyncServerStreamingCall(method, null, options, fuzz.Requests[0]);
                var responses = new List<byte[]>();
                // Bounded by the call's deadline.
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    responses.Add(call.ResponseStream.Current);
                }

                return responses;
            }

            default:
            {
                using var call = _invoker.AsyncDuplexStreamingCall(method, null, options);
                // Read while writing: the broker may answer and end the stream (a refused client) before it has read
                // every command, and then the remaining writes fail; what it answered is still the answer.
                var reading = ReadAllAsync(call.ResponseStream);
                try
                {
                    foreach (byte[] request in fuzz.Requests)
                    {
                        await call.RequestStream.WriteAsync(request);
                    }

                    await call.RequestStream.CompleteAsync();
                }
                catch (Exception ex) when (ex is RpcException or InvalidOperationException)
                {
                    // The call is over; the response stream tells how it ended.
                }

                return await reading;
            }
        }
    }

    private static async Task<List<byte[]>> ReadAllAsync(IAsyncStreamReader<byte[]> stream)
    {
        var responses = new List<byte[]>();
        // Bounded by the call's deadline.
        while (await stream.MoveNext(CancellationToken.None))
        {
            responses.Add(stream.Current);
        }

        return responses;
    }

    /// <summary>Checks one response and returns its first status code (null for a response without one).</summary>
    private static Code? Judge(Rpc rpc, byte[] response, List<string> problems)
    {
        IMessage message;
        try
        {
            message = rpc.Response.ParseFrom(response);
        }
        catch (InvalidProtocolBufferException ex)
        {
            problems.Add($"a response that is not a {rpc.Response.GetType().Name}: {ex.Message}");
            return null;
        }

        Code? first = null;
        foreach (var status in Statuses(message, depth: 0))
        {
            if (status.Code is Code.InternalError or Code.InternalServerError)
            {
                problems.Add($"{status.Code}: {status.Message}");
            }

            first ??= status.Code;
        }

        return first;
    }

    /// <summary>Every <see cref="Status"/> in the response tree (top level, batch entries, the receive oneof).</summary>
    private static IEnumerable<Status> Statuses(IMessage message, int depth)
    {
        if (message is Status status)
        {
            yield return status;
            yield break;
        }

        if (depth > 4)
        {
            yield break;
        }

        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldType != FieldType.Message)
            {
                continue;
            }

            if (field.IsRepeated && !field.IsMap)
            {
                foreach (var element in (System.Collections.IEnumerable)field.Accessor.GetValue(message))
                {
                    foreach (var inner in Statuses((IMessage)element, depth + 1))
                    {
                        yield return inner;
                    }
                }
            }
            else if (!field.IsMap && field.Accessor.GetValue(message) is IMessage child)
            {
                foreach (var inner in Statuses(child, depth + 1))
                {
                    yield return inner;
                }
            }
        }
    }
}
