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

    public AccessPolicyMonitor(IOptionsMonitor<ServerAuthOptions> options, ILogger<AccessPolicyMonitor> logger)
    {
        _logger = logger;
        var initial = options.CurrentValue;
        // The start already validated the same configuration (ServerOptions), so a failure here is a bug, not input.
        initial.ThrowIfUnreadable();
        initial.Validate();
        _current = AccessPolicy.From(initial, 1);
        _subscription = options.OnChange(Changed);
    }

    /// <summary>The policy calls are checked against now.</summary>
    public AccessPolicy Current => Volatile.Read(ref _current);

    /// <inheritdoc />
    public void Dispose() => _subscription?.Dispose();

    private void Changed(ServerAuthOptions options)
    {
        try
        {
            options.ThrowIfUnreadable();
            options.Validate();
        }
        catch (ArgumentException refused)
        {
            ServerLog.AuthReloadRefused(_logger, refused.Message);
            return;
        }

        lock (_swap)
        {
            var next = AccessPolicy.From(options, _current.Generation + 1);
            Volatile.Write(ref _current, next);
            ServerLog.AuthReloaded(_logger, options.Users.Count, next.Generation);
        }
    }
}
