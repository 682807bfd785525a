namespace AgentBus.Server.Hosting;

/// <summary>
/// Authentication of clients (configuration section <c>Server:Auth</c>), the RocketMQ v5 way: every MessagingService
/// and AdminService call carries <c>authorization: MQv2-HMAC-SHA1 Credential=AK, SignedHeaders=x-mq-date-time, Signature=HEX</c>,
/// the HMAC-SHA1 of its <c>x-mq-date-time</c> header keyed by the secret of access key <c>AK</c>. Every user may call
/// both services; there are no admin roles yet.
/// </summary>
public sealed class ServerAuthOptions
{
    /// <summary>Whether calls must be signed by a known user (off by default: every call is accepted).</summary>
    public bool Enabled { get; set; }

    /// <summary>The users allowed in: access key and secret key pairs.</summary>
    public IList<AuthUser> Users { get; } = [];

    /// <summary>
    /// Largest difference between a call's <c>x-mq-date-time</c> and the server clock; a signature older or newer than
    /// this is refused, which bounds how long a captured header can be replayed.
    /// </summary>
    public TimeSpan DateTimeTolerance { get; set; } = TimeSpan.FromMinutes(15);

    internal void Validate()
    {
        if (DateTimeTolerance <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DateTimeTolerance), "Server:Auth:DateTimeTolerance must be positive.");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Users.Count; i++)
        {
            var user = Users[i];
            if (string.IsNullOrWhiteSpace(user.AccessKey) || string.IsNullOrEmpty(user.SecretKey))
            {
                throw new ArgumentException($"Server:Auth:Users:{i} needs an AccessKey and a SecretKey.", nameof(Users));
            }

            if (user.AccessKey.AsSpan().IndexOfAny(" ,=") >= 0)
            {
                throw new ArgumentException($"Server:Auth:Users:{i}:AccessKey must not contain spaces, commas or '='.", nameof(Users));
            }

            if (!keys.Add(user.AccessKey))
            {
                throw new ArgumentException($"Server:Auth:Users: access key {user.AccessKey} is listed twice.", nameof(Users));
            }
        }

        if (Enabled && Users.Count == 0)
        {
            throw new ArgumentException("Server:Auth:Enabled needs at least one user in Server:Auth:Users.", nameof(Users));
        }
    }
}
