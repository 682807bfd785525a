using System.Net.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentBus.Client.Configuration;

/// <summary>
/// Where and how a client connects: the access point (<c>host:port[;host:port]</c>), the resource namespace,
/// the request timeout, credentials and TLS. Shared by every producer and consumer built from one
/// <see cref="ClientServiceProvider"/>.
/// </summary>
public sealed class ClientConfiguration
{
    /// <summary>
    /// The access point: one or more <c>host:port</c> pairs separated by <c>;</c> (or <c>,</c>). The client talks to the
    /// first one and moves to the next when it cannot be reached.
    /// </summary>
    public required string Endpoints { get; init; }

    /// <summary>Resource namespace sent with every call (<c>x-mq-namespace</c>) and in resources; empty for none.</summary>
    public string Namespace { get; init; } = "";

    /// <summary>Timeout of every call except long polling (which adds its polling time). Official clients default to 3 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a connection with calls in flight may stay silent before the client pings the broker (HTTP/2 PING).
    /// With <see cref="KeepAliveTimeout"/> it bounds how long a dead or stalled connection (a broker that vanished
    /// without closing it, a middlebox dropping packets) holds its calls: the connection is replaced after
    /// interval + timeout. Default 30 s.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the client waits for the answer to a keep-alive ping before it gives the connection up. Default 10 s.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Access key and secret for brokers with ACL on; null sends no <c>authorization</c> header.</summary>
    public SessionCredentials? Credentials { get; init; }

    /// <summary>
    /// Whether to use TLS (HTTPS, HTTP/2 negotiated by ALPN) to the broker. Off by default, as the AgentBus broker serves
    /// HTTP/2 cleartext unless it is given a certificate. The broker's certificate is checked by the platform's
    /// validation unless <see cref="RemoteCertificateValidationCallback"/> is set.
    /// </summary>
    public bool EnableTls { get; init; }

    /// <summary>
    /// Decides whether the broker's certificate is trusted, in place of the platform's validation (which requires a
    /// chain to a trusted root and a matching name); only used with <see cref="EnableTls"/>. Set it to trust a private
    /// or self-signed certificate, for instance by comparing its thumbprint:
    /// <c>(_, certificate, _, _) =&gt; certificate?.GetCertHashString(HashAlgorithmName.SHA256) == pinned</c>.
    /// Null (the default) keeps the platform's validation.
    /// </summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidationCallback { get; init; }

    /// <summary>Where the clients log; null logs nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Clock for timers (heartbeats, subscription sync, backoff); tests may pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Whether sends and acks travel as frames of one long-lived call when the broker offers it (an AgentBus broker's
    /// <c>agentbus.v1.MessageStream</c>; default on): the same semantics as the MessagingService calls without a call
    /// set-up per send or ack (figures in docs/benchmarks.md). A broker that does not offer it (Apache RocketMQ) gets
    /// the MessagingService calls whatever this says.
    /// </summary>
    public bool EnableMessageStream { get; init; } = true;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Endpoints))
        {
            throw new ArgumentException("Endpoints must name at least one host:port.", nameof(Endpoints));
        }

        if (RequestTimeout < TimeSpan.FromMilliseconds(100) || RequestTimeout > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "RequestTimeout must be within 100 ms..5 min.");
        }

        if (KeepAliveInterval < TimeSpan.FromSeconds(1) || KeepAliveInterval > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(KeepAliveInterval), KeepAliveInterval, "KeepAliveInterval must be within 1 s..1 h.");
        }

        if (KeepAliveTimeout < TimeSpan.FromSeconds(1) || KeepAliveTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(KeepAliveTimeout), KeepAliveTimeout, "KeepAliveTimeout must be within 1 s..10 min.");
        }
    }
}
