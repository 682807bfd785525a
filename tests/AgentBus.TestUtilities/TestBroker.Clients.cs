using AgentBus.Client;
using AgentBus.Client.Configuration;
using Grpc.Net.Client;

namespace AgentBus.TestUtilities;

public sealed partial class TestBroker
{
    private readonly SessionCredentials? _credentials;
    private readonly Lock _clientsGate = new();
    private GrpcChannel? _channel;
    private ClientServiceProvider? _provider;

    /// <summary>
    /// Whether the tests' clients use the broker's message stream (the default) or, with the environment variable
    /// <c>AGENTBUS_TEST_MESSAGE_STREAM=off</c>, the MessagingService calls alone: test.sh runs the client and agent
    /// suites both ways.
    /// </summary>
    public static bool UseMessageStream { get; } =
        !string.Equals(Environment.GetEnvironmentVariable("AGENTBUS_TEST_MESSAGE_STREAM"), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>A gRPC channel to the broker shared by the test's raw protocol calls; it reconnects after a restart.</summary>
    public GrpcChannel Channel
    {
        get
        {
            lock (_clientsGate)
            {
                return _channel ??= NewChannel();
            }
        }
    }

    /// <summary>
    /// A client provider pointed at the broker, trusting its certificate when it serves TLS and signing with the
    /// credentials it was started with.
    /// </summary>
    public ClientServiceProvider Provider
    {
        get
        {
            lock (_clientsGate)
            {
                return _provider ??= new ClientServiceProvider(ClientConfiguration(_credentials));
            }
        }
    }

    /// <summary>A new channel to the broker, over TLS trusting <see cref="Certificate"/> when there is one; the caller disposes it.</summary>
    /// <returns>The channel.</returns>
    public GrpcChannel NewChannel() => GrpcChannel.ForAddress(Address, new GrpcChannelOptions
    {
        MaxReceiveMessageSize = null,
        MaxSendMessageSize = null,
        HttpHandler = Certificate is null ? null : TestCertificates.TrustingHandler(Certificate),
    });

    /// <summary>
    /// The configuration of <see cref="Provider"/> with other <paramref name="credentials"/>: this broker's endpoint, a
    /// 3 s request timeout, TLS trusting <see cref="Certificate"/> when there is one.
    /// </summary>
    /// <param name="credentials">Credentials to sign calls with; null signs nothing.</param>
    /// <returns>A new configuration.</returns>
    public ClientConfiguration ClientConfiguration(SessionCredentials? credentials = null) => new()
    {
        Endpoints = Endpoint,
        RequestTimeout = TimeSpan.FromSeconds(3),
        Credentials = credentials,
        EnableMessageStream = UseMessageStream,
        EnableTls = Certificate is not null,
        RemoteCertificateValidationCallback = Certificate is null ? null : TestCertificates.Trusting(Certificate),
    };

    /// <summary>A provider with a configuration of the test's own against this broker.</summary>
    /// <param name="create">Builds the configuration from this broker's endpoint.</param>
    /// <returns>The provider.</returns>
    public ClientServiceProvider ProviderWith(Func<string, ClientConfiguration> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        return new ClientServiceProvider(create(Endpoint));
    }

    private void DisposeClients()
    {
        lock (_clientsGate)
        {
            _channel?.Dispose();
            _channel = null;
        }
    }
}
