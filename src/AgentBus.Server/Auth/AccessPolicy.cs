using System.Collections.Frozen;
using AgentBus.Server.Hosting;

namespace AgentBus.Server.Auth;

/// <summary>
/// The users of one reading of <c>Server:Auth</c>, compiled, immutable: calls read the current one without locks
/// and a configuration change swaps in a new one (see <see cref="AccessPolicyMonitor"/>).
/// </summary>
internal sealed class AccessPolicy
{
    private AccessPolicy(FrozenDictionary<string, AuthIdentity> users, TimeSpan tolerance, long generation)
    {
        Users = users.GetAlternateLookup<ReadOnlySpan<char>>();
        DateTimeTolerance = tolerance;
        Generation = generation;
    }

    /// <summary>The users by access key.</summary>
    public FrozenDictionary<string, AuthIdentity>.AlternateLookup<ReadOnlySpan<char>> Users { get; }

    /// <summary>The largest accepted skew of a signed date.</summary>
    public TimeSpan DateTimeTolerance { get; }

    /// <summary>Increases with every policy taken in, so state checked against an older one can tell.</summary>
    public long Generation { get; }

    /// <summary>Compiles validated options.</summary>
    public static AccessPolicy From(ServerAuthOptions options, long generation) => new(
        options.Users.ToFrozenDictionary(user => user.AccessKey, user => new AuthIdentity(user, options.DefaultAllow), StringComparer.Ordinal),
        options.DateTimeTolerance, generation);
}
