using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AgentBus.Server.Hosting;

/// <summary>The addresses a started server listens on.</summary>
internal static class ServerAddresses
{
    /// <summary>Addresses such as <c>http://127.0.0.1:8081</c> (<c>https://</c> with TLS), with the actual port when port 0 was configured.</summary>
    public static IReadOnlyList<string> Of(IServiceProvider services)
    {
        var feature = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        return feature is null ? [] : [.. feature.Addresses];
    }
}
