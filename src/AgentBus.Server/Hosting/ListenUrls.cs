namespace AgentBus.Server.Hosting;

/// <summary>
/// The configuration's <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>DOTNET_URLS</c>), which the broker honours
/// in place of <c>Server:Address</c> and <c>Server:Port</c>: an operator who writes <c>--urls http://0.0.0.0:9000</c>
/// gets the broker there, not on 8081 with a Kestrel warning. Each URL must be one the broker can serve: HTTP/2
/// cleartext (<c>http://</c>) without a certificate, HTTP/2 over TLS (<c>https://</c>) with one.
/// </summary>
internal static class ListenUrls
{
    /// <summary>The configuration key ASP.NET Core reads its URLs from.</summary>
    public const string Key = "urls";

    /// <summary>The URLs to listen on, or null to listen on <c>Server:Address</c>:<c>Server:Port</c>.</summary>
    /// <exception cref="ArgumentException">A URL is malformed or does not match the TLS setting.</exception>
    public static IReadOnlyList<string>? FromConfiguration(IConfiguration configuration, ServerOptions server)
    {
        string? value = configuration[Key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var urls = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (string url in urls)
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                throw new ArgumentException($"urls: '{url}' is not a listen URL; write http://ADDRESS:PORT (e.g. http://0.0.0.0:8081), or set Server:Address and Server:Port.");
            }

            bool https = address.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase);
            if (!https && !address.Scheme.Equals("http", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"urls: '{url}' has scheme '{address.Scheme}'; the broker listens on http:// (HTTP/2 cleartext) or https:// (with Server:Tls:CertificatePath).");
            }

            if (https && !server.Tls.Enabled)
            {
                throw new ArgumentException($"urls: '{url}' is https but no certificate is configured: set Server:Tls:CertificatePath, or use http://.");
            }

            if (!https && server.Tls.Enabled)
            {
                throw new ArgumentException($"urls: '{url}' is http but Server:Tls:CertificatePath is set and the broker serves TLS only: use https://.");
            }
        }

        return urls;
    }

    /// <summary>
    /// Empties the server's address list, which the host fills from <c>urls</c> just before it builds the pipeline:
    /// the broker binds those URLs as its own endpoints (<see cref="KestrelSetup"/>), and Kestrel, given both, would
    /// warn that it overrides the list.
    /// </summary>
    internal sealed class HostAddressesRemover : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            if (app.ServerFeatures.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses is { IsReadOnly: false } addresses)
            {
                addresses.Clear();
            }

            next(app);
        };
    }
}
