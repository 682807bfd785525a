namespace AgentBus.Server.Hosting;

/// <summary>A user allowed to call the broker when authentication is on, with what it may do.</summary>
public sealed class AuthUser
{
    /// <summary>The access key, sent in clear by clients as the credential.</summary>
    public string AccessKey { get; set; } = "";

    /// <summary>The secret key signatures are computed with; never sent, never logged.</summary>
    public string SecretKey { get; set; } = "";

    /// <summary>
    /// Whether the user may call the admin API (<c>agentbus.v1.AdminService</c>: listing lite topics and reading any of
    /// them). It grants no publishing or subscribing; give those in <see cref="Permissions"/>.
    /// </summary>
    public bool Admin { get; set; }

    /// <summary>
    /// What the user may publish and subscribe to. A user with none is refused every call that needs a permission,
    /// unless <see cref="ServerAuthOptions.DefaultAllow"/> lets it do everything.
    /// </summary>
    public IList<AuthPermission> Permissions { get; } = [];

    /// <inheritdoc />
    public override string ToString() => $"AuthUser {{ AccessKey = {AccessKey} }}";
}
