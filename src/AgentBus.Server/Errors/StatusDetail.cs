namespace AgentBus.Server.Errors;

/// <summary>
/// The detail of a gRPC status the broker ends a call with. It travels in the grpc-message trailer, so a refusal that
/// quotes a caller's input (a 100,000-character prefix) would make trailers larger than a client accepts (64 KiB in
/// .NET's HTTP/2 client), which then drops the whole connection instead of seeing INVALID_ARGUMENT.
/// </summary>
internal static class StatusDetail
{
    /// <summary>The longest detail sent; longer ones are cut and say how long they were.</summary>
    public const int MaxLength = 1024;

    public static string Bounded(string detail) =>
        detail.Length <= MaxLength ? detail : string.Concat(detail.AsSpan(0, MaxLength), $"... ({detail.Length} characters in all)");
}
