namespace AgentBus.Server.Hosting;

/// <summary>
/// Authentication of clients (configuration section <c>Server:Auth</c>), the RocketMQ v5 way: every MessagingService
/// and AdminService call carries <c>authorization: MQv2-HMAC-SHA1 Credential=AK, SignedHeaders=x-mq-date-time, Signature=HEX</c>,
/// the HMAC-SHA1 of its <c>x-mq-date-time</c> header keyed by the secret of access key <c>AK</c>. Each user then
/// may do what its <see cref="AuthUser.Permissions"/> grant and, with <see cref="AuthUser.Admin"/>, call the admin
/// API; a refused call is answered FORBIDDEN (40300). Users, secrets and permissions are re-read when the
/// configuration changes (an edited <c>appsettings.json</c>, say), without a restart; <see cref="Enabled"/> is read at
/// start only. See docs/security.md.
/// </summary>
public sealed class ServerAuthOptions
{
    /// <summary>Whether calls must be signed by a known user (off by default: every call is accepted).</summary>
    public bool Enabled { get; set; }

    /// <summary>The users allowed in: access key and secret key pairs, each with its permissions.</summary>
    public IList<AuthUser> Users { get; } = [];

    /// <summary>
    /// Whether a user without any <see cref="AuthUser.Permissions"/> may do everything, publishing, subscribing and
    /// the admin API included, as every user could before permissions existed (default false: such a user is refused
    /// every call that needs a permission).
    /// </summary>
    public bool DefaultAllow { get; set; }

    /// <summary>
    /// Largest difference between a call's <c>x-mq-date-time</c> and the server clock; a signature older or newer than
    /// this is refused, which bounds how long a captured header can be replayed.
    /// </summary>
    public TimeSpan DateTimeTolerance { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Whether signed calls are accepted only over TLS (default false). The signature covers the <c>x-mq-date-time</c>
    /// header alone, so anyone who sees a call in cleartext can replay its headers with any request for as long as
    /// <see cref="DateTimeTolerance"/>; with this set, a call that did not arrive over TLS is refused with UNAUTHORIZED
    /// before its credentials are checked. Read at start only, like <see cref="Enabled"/>.
    /// </summary>
    public bool RequireTls { get; set; }

    /// <summary>Why the section could not be bound (a value of the wrong type), when it could not.</summary>
    internal string? LoadError { get; set; }

    internal void ThrowIfUnreadable()
    {
        if (LoadError is { } error)
        {
            throw new ArgumentException($"Server:Auth cannot be read: {error}", nameof(LoadError));
        }
    }

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

            for (int p = 0; p < user.Permissions.Count; p++)
            {
                ValidatePermission(user.Permissions[p], $"Server:Auth:Users:{i}:Permissions:{p}");
            }
        }

        if (Enabled && Users.Count == 0)
        {
            throw new ArgumentException("Server:Auth:Enabled needs at least one user in Server:Auth:Users.", nameof(Users));
        }
    }

    private static void ValidatePermission(AuthPermission permission, string path)
    {
        if (permission.Actions == AuthActions.None || (permission.Actions & ~(AuthActions.Publish | AuthActions.Subscribe)) != 0)
        {
            throw new ArgumentException($"{path}:Actions must be Publish, Subscribe or \"Publish, Subscribe\".", nameof(permission));
        }

        ValidatePattern(permission.Topic, $"{path}:Topic");
        for (int i = 0; i < permission.LiteTopics.Count; i++)
        {
            ValidatePattern(permission.LiteTopics[i], $"{path}:LiteTopics:{i}");
        }

        for (int i = 0; i < permission.Groups.Count; i++)
        {
            ValidatePattern(permission.Groups[i], $"{path}:Groups:{i}");
        }
    }

    private static void ValidatePattern(string? pattern, string path)
    {
        if (!Auth.NamePattern.IsValid(pattern))
        {
            throw new ArgumentException(
                $"{path} is not a name pattern: {Auth.NamePattern.Syntax} (got '{pattern}').", nameof(pattern));
        }
    }
}
