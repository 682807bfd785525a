using AgentBus.Server.Hosting;
using Microsoft.Extensions.Options;

namespace AgentBus.Server.Auth;

/// <summary>
/// Holds the current <see cref="AccessPolicy"/> and replaces it when <c>Server:Auth</c> changes (through
/// <see cref="IOptionsMonitor{TOptions}"/> of <see cref="ServerAuthOptions"/>), so users, secrets and permissions
/// change without a restart. A changed section that does not bind or validate is refused with a warning and the
/// previous policy stays: a typo in a file being edited must not lock every client out.
/// </summary>
internal sealed class AccessPolicyMonitor : IDisposable
{
    private readonly ILogger<AccessPolicyMonitor> _logger;
    private readonly IDisposable? _subscription;
    private readonly Lock _swap = new();
    private AccessPolicy _current;

    public AccessPolicyMonitor(IOptionsMonitor<ServerAuthOptions> options, IOptions<ServerOptions> started, ILogger<AccessPolicyMonitor> logger)
    {
        _logger = logger;
        // Created at the first authenticated call: the section may have changed since the start validated it, and
        // then the policy the broker started with (ServerOptions, validated) applies until a valid change comes.
        _current = AccessPolicy.From(Readable(options.CurrentValue) ?? started.Value.Auth, 1);
        _subscription = options.OnChange(Changed);
    }

    /// <summary>The policy calls are checked against now.</summary>
    public AccessPolicy Current => Volatile.Read(ref _current);

    /// <inheritdoc />
    public void Dispose() => _subscription?.Dispose();

    private void Changed(ServerAuthOptions options)
    {
        if (Readable(options) is null)
        {
            return;
        }

        lock (_swap)
        {
            var next = AccessPolicy.From(options, _current.Generation + 1);
            Volatile.Write(ref _current, next);
            ServerLog.AuthReloaded(_logger, options.Users.Count, next.Generation);
        }
    }

    /// <summary>The options when they bind and validate; else null, with a warning saying why.</summary>
    private ServerAuthOptions? Readable(ServerAuthOptions options)
    {
        try
        {
            options.ThrowIfUnreadable();
            options.Validate();
            return options;
        }
        catch (ArgumentException refused)
        {
            ServerLog.AuthReloadRefused(_logger, refused.Message);
            return null;
        }
    }
}
