namespace GatewayDemo.Gateway;

/// <summary>Request ids the gateway gives its bus requests: time-ordered (UUID v7), and free of <c>:</c>, which separates an SSE event id's sequence.</summary>
internal static class GatewayRequests
{
    public static string NewId() => Guid.CreateVersion7().ToString("N");
}
