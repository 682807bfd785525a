using AgentBus.Server.Hosting;

namespace AgentBus.Server.Tests.Permissions;

/// <summary>Users and permissions for the authorization tests, built as configuration would bind them.</summary>
internal static class Policies
{
    public const string Parent = "agents";
    public const string SharedGroup = "shared";

    public static AuthUser User(string accessKey, params AuthPermission[] permissions)
    {
        var user = new AuthUser { AccessKey = accessKey, SecretKey = Secret(accessKey) };
        foreach (var permission in permissions)
        {
            user.Permissions.Add(permission);
        }

        return user;
    }

    public static AuthPermission Grant(AuthActions actions, string topic, string[]? liteTopics = null, string[]? groups = null)
    {
        var permission = new AuthPermission { Actions = actions, Topic = topic };
        foreach (string liteTopic in liteTopics ?? [])
        {
            permission.LiteTopics.Add(liteTopic);
        }

        foreach (string group in groups ?? [])
        {
            permission.Groups.Add(group);
        }

        return permission;
    }

    public static string Secret(string accessKey) => accessKey + "-secret";

    public static Action<Grpc.Core.Metadata> As(string accessKey, DateTimeOffset? at = null) => Signatures.Signed(accessKey, Secret(accessKey), at);

    /// <summary>
    /// alice and bob share the lite parent <see cref="Parent"/> and the group <see cref="SharedGroup"/>; each may
    /// publish and subscribe to its own lite topics (<c>alice|*</c>, <c>bob|*</c>) and groups (<c>alice-*</c>,
    /// <c>bob-*</c>). Only bob may use the normal topic <c>orders</c>; only carol (no permissions) is an admin.
    /// </summary>
    public static void AliceAndBob(ServerOptions server)
    {
        server.Auth.Enabled = true;
        var both = AuthActions.Publish | AuthActions.Subscribe;
        server.Auth.Users.Add(User("alice", Grant(both, Parent, ["alice|*"], ["alice-*", SharedGroup])));
        server.Auth.Users.Add(User("bob", Grant(both, Parent, ["bob|*"], ["bob-*", SharedGroup]), Grant(both, "orders", groups: ["bob-*"])));
        var carol = User("carol");
        carol.Admin = true;
        server.Auth.Users.Add(carol);
    }
}
