namespace AgentBus.Server.Hosting;

/// <summary>A user allowed to call the broker when authentication is on.</summary>
public sealed class AuthUser
{
    /// <summary>The access key, sent in clear by clients as the credential.</summary>
    public string AccessKey { get; set; } = "";

    /// <summary>The secret key signatures are computed with; never sent, never logged.</summary>
    public string SecretKey { get; set; } = "";

    /// <inheritdoc />
    public override string ToString() => $"AuthUser {{ AccessKey = {AccessKey} }}";
}
