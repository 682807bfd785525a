using System.CommandLine;
using AgentBus.Client.Admin;
using AgentBus.Client.Configuration;
using AgentBus.Cli.Output;

namespace AgentBus.Cli;

/// <summary>
/// The options every verb takes, and what one invocation connects with: the endpoint and credentials come from the
/// options, else from AGENTBUS_ENDPOINT / AGENTBUS_ACCESS_KEY / AGENTBUS_SECRET_KEY, else the broker's default address.
/// </summary>
internal sealed class CliSettings
{
    public const string DefaultEndpoint = "127.0.0.1:8081";

    public Option<string?> Endpoint { get; } = new("--endpoint", "-e")
    {
        Description = $"Broker address host:port (default: $AGENTBUS_ENDPOINT, else {DefaultEndpoint}).",
        Recursive = true,
    };

    public Option<string?> AccessKey { get; } = new("--access-key") { Description = "Access key when the broker authenticates (default: $AGENTBUS_ACCESS_KEY).", Recursive = true };

    public Option<string?> SecretKey { get; } = new("--secret-key") { Description = "Secret key when the broker authenticates (default: $AGENTBUS_SECRET_KEY).", Recursive = true };

    public Option<bool> Tls { get; } = new("--tls") { Description = "Connect with TLS.", Recursive = true };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for the broker (and, for request, for the reply).",
        DefaultValueFactory = _ => 10,
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Write JSON instead of tables, for scripts.", Recursive = true };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Endpoint);
        root.Options.Add(AccessKey);
        root.Options.Add(SecretKey);
        root.Options.Add(Tls);
        root.Options.Add(Timeout);
        root.Options.Add(Json);
    }

    public string EndpointOf(ParseResult parse) =>
        NonEmpty(parse.GetValue(Endpoint)) ?? NonEmpty(Environment.GetEnvironmentVariable("AGENTBUS_ENDPOINT")) ?? DefaultEndpoint;

    public TimeSpan TimeoutOf(ParseResult parse)
    {
        double seconds = parse.GetValue(Timeout);
        return seconds is > 0 and <= 86_400 ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException($"--timeout {seconds} is out of range: more than 0 and at most 86400 seconds.");
    }

    public (string Key, string Secret)? CredentialsOf(ParseResult parse)
    {
        string? key = NonEmpty(parse.GetValue(AccessKey)) ?? NonEmpty(Environment.GetEnvironmentVariable("AGENTBUS_ACCESS_KEY"));
        string? secret = NonEmpty(parse.GetValue(SecretKey)) ?? NonEmpty(Environment.GetEnvironmentVariable("AGENTBUS_SECRET_KEY"));
        return (key, secret) switch
        {
            (null, null) => null,
            ({ } k, { } s) => (k, s),
            _ => throw new UsageException("Give both an access key and a secret key (--access-key/--secret-key or AGENTBUS_ACCESS_KEY/AGENTBUS_SECRET_KEY), or neither."),
        };
    }

    public BrokerAdmin Admin(ParseResult parse)
    {
        var credentials = CredentialsOf(parse);
        return new BrokerAdmin(new ClientConfiguration
        {
            Endpoints = EndpointOf(parse),
            RequestTimeout = TimeoutOf(parse),
            EnableTls = parse.GetValue(Tls),
            Credentials = credentials is { } c ? new SessionCredentials(c.Key, c.Secret) : null,
        });
    }

    public Task<AgentBusClient> ConnectBusAsync(ParseResult parse, CancellationToken ct)
    {
        var credentials = CredentialsOf(parse);
        return AgentBusClient.ConnectAsync(new AgentBusOptions
        {
            Endpoints = EndpointOf(parse),
            RequestTimeout = TimeoutOf(parse),
            EnableTls = parse.GetValue(Tls),
            AccessKey = credentials?.Key,
            AccessSecret = credentials?.Secret,
        }, ct);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
