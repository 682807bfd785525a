using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using AgentBus.Server.Auth;
using AgentBus.Server.Hosting;
using Microsoft.Extensions.Options;

namespace AgentBus.Server.Http.Dashboard;

/// <summary>
/// Who may open the dashboard: anyone when <c>Server:Auth</c> is off; with it on, only admin users
/// (<see cref="AuthUser.Admin"/>, or unrestricted ones), who sign in with HTTP Basic using their access key as the user
/// name and their secret key as the password. Users and secrets follow configuration changes as for gRPC calls.
/// </summary>
internal sealed class DashboardAccess
{
    private readonly bool _enabled;
    private readonly IServiceProvider _services;
    private readonly ILogger<DashboardAccess> _logger;

    public DashboardAccess(IOptions<ServerOptions> options, IServiceProvider services, ILogger<DashboardAccess> logger)
    {
        _enabled = options.Value.Auth.Enabled;
        _services = services;
        _logger = logger;
    }

    /// <summary>Whether the request may see the dashboard; if not, answers 401 with a Basic challenge.</summary>
    public async ValueTask<bool> AllowAsync(HttpContext context)
    {
        if (!_enabled)
        {
            return true;
        }

        string? refusal = Check(context.Request.Headers.Authorization.ToString());
        if (refusal is null)
        {
            return true;
        }

        OperationsLog.DashboardRefused(_logger, context.Connection.RemoteIpAddress?.ToString(), refusal);
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Basic realm=\"AgentBus dashboard\", charset=\"UTF-8\"";
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("An admin user's access key and secret key are needed.", context.RequestAborted).ConfigureAwait(false);
        return false;
    }

    /// <summary>Null when the header carries an admin user's credentials, else why not.</summary>
    private string? Check(string header)
    {
        if (!AuthenticationHeaderValue.TryParse(header, out var value) || !string.Equals(value.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || value.Parameter is null)
        {
            return "no Basic credentials";
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value.Parameter));
        }
        catch (FormatException)
        {
            return "the Basic credentials are not base64";
        }

        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return "the Basic credentials have no access key";
        }

        var policy = _services.GetRequiredService<AccessPolicyMonitor>().Current;
        if (!policy.Users.TryGetValue(decoded.AsSpan(0, colon), out var identity))
        {
            return "unknown access key";
        }

        byte[] secret = Encoding.UTF8.GetBytes(decoded[(colon + 1)..]);
        if (!CryptographicOperations.FixedTimeEquals(secret, identity.Secret))
        {
            return $"wrong secret for access key {identity.AccessKey}";
        }

        return identity.IsAdmin ? null : $"access key {identity.AccessKey} is not an admin";
    }
}
