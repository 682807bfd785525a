using AgentBus.Server.Hosting;

namespace AgentBus.Server.Auth;

/// <summary>An authenticated user as a call sees it: its access key, secret and compiled permissions.</summary>
internal sealed class AuthIdentity
{
    private readonly Grant[] _grants;

    public AuthIdentity(AuthUser user, bool defaultAllow)
    {
        AccessKey = user.AccessKey;
        Secret = System.Text.Encoding.UTF8.GetBytes(user.SecretKey);
        Unrestricted = defaultAllow && user.Permissions.Count == 0;
        IsAdmin = user.Admin || Unrestricted;
        _grants = [.. user.Permissions.Select(Grant.From)];
    }

    /// <summary>The access key that names the user.</summary>
    public string AccessKey { get; }

    /// <summary>The secret its signatures are keyed with.</summary>
    public byte[] Secret { get; }

    /// <summary>Whether the user may do everything (no permissions listed and <c>DefaultAllow</c> on).</summary>
    public bool Unrestricted { get; }

    /// <summary>Whether the user may call the admin API.</summary>
    public bool IsAdmin { get; }

    /// <summary>Whether the user may send to <paramref name="topic"/> (and its lite topic <paramref name="liteTopic"/>, if any).</summary>
    public bool MayPublish(string topic, string? liteTopic)
    {
        if (Unrestricted)
        {
            return true;
        }

        foreach (var grant in _grants)
        {
            if ((grant.Actions & AuthActions.Publish) != 0 && grant.Topic.Matches(topic) && grant.CoversLite(liteTopic))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the user may consume <paramref name="topic"/> in <paramref name="group"/> (and its lite topic
    /// <paramref name="liteTopic"/>, if any); a null <paramref name="group"/> stands for any group.
    /// </summary>
    public bool MaySubscribe(string topic, string? group, string? liteTopic)
    {
        if (Unrestricted)
        {
            return true;
        }

        foreach (var grant in _grants)
        {
            if ((grant.Actions & AuthActions.Subscribe) != 0 && grant.Topic.Matches(topic) && grant.CoversGroup(group) && grant.CoversLite(liteTopic))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the user holds any permission on <paramref name="topic"/> (what reading its route needs).</summary>
    public bool MayAccess(string topic)
    {
        if (Unrestricted)
        {
            return true;
        }

        foreach (var grant in _grants)
        {
            if (grant.Topic.Matches(topic))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One compiled permission; a null pattern list covers every name.</summary>
    private sealed record Grant(AuthActions Actions, NamePattern Topic, NamePattern[]? LiteTopics, NamePattern[]? Groups)
    {
        public static Grant From(AuthPermission permission) => new(permission.Actions, NamePattern.Parse(permission.Topic),
            Compile(permission.LiteTopics), Compile(permission.Groups));

        /// <summary>A call without a lite topic is covered by the topic alone: what it reaches is guarded where lite topics are named.</summary>
        public bool CoversLite(string? liteTopic) => liteTopic is null || AnyMatches(LiteTopics, liteTopic);

        public bool CoversGroup(string? group) => group is null || AnyMatches(Groups, group);

        private static NamePattern[]? Compile(IList<string> patterns) => patterns.Count == 0 ? null : [.. patterns.Select(NamePattern.Parse)];

        private static bool AnyMatches(NamePattern[]? patterns, string name)
        {
            if (patterns is null)
            {
                return true;
            }

            foreach (var pattern in patterns)
            {
                if (pattern.Matches(name))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
