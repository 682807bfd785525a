using AgentBus.Server.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AgentBus.Server.Hosting;

/// <summary>The addresses a started server listens on.</summary>
internal static class ServerAddresses
{
    /// <summary>
    /// The gRPC endpoint's addresses, such as <c>http://127.0.0.1:8081</c> (<c>https://</c> with TLS), with the actual
    /// port when port 0 was configured; the operations listener's is not among them (see <see cref="Operations"/>).
    /// </summary>
    public static IReadOnlyList<string> Of(IServiceProvider services)
    {
        var feature = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        var operations = services.GetService<OperationsListener>();
        return feature is null ? [] : [.. feature.Addresses.Where(address => operations is null || !operations.Is(address))];
    }

    /// <summary>The operations listener's address (<c>Server:Http</c>), with the actual port; null when it is off.</summary>
    public static Uri? Operations(IServiceProvider services) => services.GetService<OperationsListener>()?.Address;
}
