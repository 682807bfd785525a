using System.Net.Security;
using Grpc.Core;
using Grpc.Net.Client;
using AdminServiceClient = AgentBus.Protocol.Admin.AdminService.AdminServiceClient;
using MessagingServiceClient = Apache.Rocketmq.V2.MessagingService.MessagingServiceClient;

namespace AgentBus.Client.Transport;

/// <summary>
/// The connection to one endpoint: an HTTP/2 gRPC channel to its current address (calls are multiplexed on it), with
/// the stubs of the RocketMQ MessagingService and the AgentBus AdminService on it, and failover to the next address of
/// the endpoint when the current one cannot be reached.
/// </summary>
internal sealed class RpcEndpoint : IDisposable
{
    private readonly bool _tls;
    private readonly RemoteCertificateValidationCallback? _validateCertificate;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeSpan _keepAliveInterval;
    private readonly TimeSpan _keepAliveTimeout;
    private readonly object _gate = new();
    private int _index;
    private GrpcChannel? _channel;
    private BrokerClient? _client;
    private AdminServiceClient? _admin;
    private bool _disposed;
    private bool _servesContinuousReceive;
    private int _streamOffer;
    private MessageStreamClient? _stream;

    public RpcEndpoint(AccessPoint accessPoint, bool tls, TimeSpan connectTimeout, RemoteCertificateValidationCallback? validateCertificate = null,
        TimeSpan? keepAliveInterval = null, TimeSpan? keepAliveTimeout = null)
    {
        AccessPoint = accessPoint;
        _tls = tls;
        _validateCertificate = validateCertificate;
        _connectTimeout = connectTimeout;
        _keepAliveInterval = keepAliveInterval ?? TimeSpan.FromSeconds(30);
        _keepAliveTimeout = keepAliveTimeout ?? TimeSpan.FromSeconds(10);
    }

    public AccessPoint AccessPoint { get; }

    /// <summary>
    /// Whether the broker behind this endpoint answered a receive as a continuous receive (an AgentBus broker); until
    /// then push consumers ask it for one-shot sized batches, as for any RocketMQ broker.
    /// </summary>
    public bool ServesContinuousReceive
    {
        get => Volatile.Read(ref _servesContinuousReceive);
        set => Volatile.Write(ref _servesContinuousReceive, value);
    }

    /// <summary>
    /// Whether the broker behind this endpoint serves the message stream: <see cref="StreamOffer.Unknown"/> until a
    /// MessagingService call's response headers said so (an AgentBus broker) or did not (any other broker).
    /// </summary>
    public StreamOffer MessageStreamOffer
    {
        get => (StreamOffer)Volatile.Read(ref _streamOffer);
        set => Volatile.Write(ref _streamOffer, (int)value);
    }

    /// <summary>
    /// The open message stream to this endpoint, opening one (with <paramref name="headers"/>) when there is none or the
    /// last one broke; null unless the broker offers it.
    /// </summary>
    public MessageStreamClient? MessageStream(Func<(Metadata Headers, string RequestId)> headers)
    {
        if (MessageStreamOffer != StreamOffer.Offered)
        {
            return null;
        }

        var current = Volatile.Read(ref _stream);
        if (current is { IsBroken: false })
        {
            return current;
        }

        var invoker = Client;
        MessageStreamClient? replaced;
        MessageStreamClient opened;
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            if (_stream is { IsBroken: false } raced)
            {
                return raced;
            }

            replaced = _stream;
            var (metadata, requestId) = headers();
            opened = new MessageStreamClient(invoker.Invoker, metadata, requestId, () => MessageStreamOffer = StreamOffer.NotOffered);
            _stream = opened;
        }

        replaced?.Dispose();
        return opened;
    }

    /// <summary>The MessagingService stub on the current address, connecting lazily.</summary>
    public BrokerClient Client => Volatile.Read(ref _client) ?? Connect().Messaging;

    /// <summary>The AdminService stub on the current address (the same channel), connecting lazily.</summary>
    public AdminServiceClient Admin => Volatile.Read(ref _admin) ?? Connect().Admin;

    /// <summary>
    /// The current address could not be reached by a call of <paramref name="failed"/> (a stub of this endpoint): the
    /// next call goes to the next address (if there is one).
    /// </summary>
    public void Failover(ClientBase failed)
    {
        if (AccessPoint.Addresses.Count < 2)
        {
            return;
        }

        GrpcChannel? old;
        MessageStreamClient? oldStream;
        lock (_gate)
        {
            if (!ReferenceEquals(_client, failed) && !ReferenceEquals(_admin, failed))
            {
                return;
            }

            _index = (_index + 1) % AccessPoint.Addresses.Count;
            old = _channel;
            oldStream = _stream;
            _channel = null;
            _client = null;
            _admin = null;
            _stream = null;
        }

        oldStream?.Dispose();
        old?.Dispose();
    }

    public void Dispose()
    {
        GrpcChannel? channel;
        MessageStreamClient? stream;
        lock (_gate)
        {
            _disposed = true;
            channel = _channel;
            stream = _stream;
            _channel = null;
            _client = null;
            _admin = null;
            _stream = null;
        }

        stream?.Dispose();
        channel?.Dispose();
    }

    private (BrokerClient Messaging, AdminServiceClient Admin) Connect()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is { } existing)
            {
                return (existing, _admin!);
            }

            var handler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                KeepAlivePingDelay = _keepAliveInterval,
                KeepAlivePingTimeout = _keepAliveTimeout,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                ConnectTimeout = _connectTimeout,
                // The HTTP/2 client's wait for data becomes the read itself (see ReadAheadStream).
                ConnectCallback = static (context, cancellationToken) => ReadAheadStream.ConnectAsync(context.DnsEndPoint, cancellationToken),
            };
            if (_tls)
            {
                handler.SslOptions = new SslClientAuthenticationOptions
                {
                    ApplicationProtocols = [SslApplicationProtocol.Http2],
                    RemoteCertificateValidationCallback = _validateCertificate,
                };
            }

            var channel = GrpcChannel.ForAddress(AccessPoint.UriOf(_index, _tls), new GrpcChannelOptions
            {
                HttpHandler = handler,
                DisposeHttpClient = true,
                MaxReceiveMessageSize = 256 * 1024 * 1024,
                // Come back quickly after a broker restart; calls wait for the connection (wait-for-ready) within their deadline.
                InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
                MaxReconnectBackoff = TimeSpan.FromSeconds(2),
                MaxSendMessageSize = 256 * 1024 * 1024,
            });
            var client = new BrokerClient(channel);
            var admin = new AdminServiceClient(channel);
            _channel = channel;
            // The admin stub first: whoever sees the messaging stub set finds the admin stub set too.
            Volatile.Write(ref _admin, admin);
            Volatile.Write(ref _client, client);
            return (client, admin);
        }
    }
}

/// <summary>Whether a broker serves the message stream, as far as the client knows.</summary>
internal enum StreamOffer
{
    /// <summary>Not known yet: MessagingService calls ask.</summary>
    Unknown,

    /// <summary>The broker said it serves it.</summary>
    Offered,

    /// <summary>The broker did not say so, or turned a stream down (or the client does not use it).</summary>
    NotOffered,
}
