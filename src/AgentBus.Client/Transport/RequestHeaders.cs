using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgentBus.Client.Configuration;
using Grpc.Core;

namespace AgentBus.Client.Transport;

/// <summary>
/// The transport headers every call carries (<c>x-mq-*</c>), and the <c>authorization</c> header when credentials are
/// set: <c>MQv2-HMAC-SHA1 Credential=AK, SignedHeaders=x-mq-date-time, Signature=HEX</c>, the upper-case hex HMAC-SHA1 of
/// the <c>x-mq-date-time</c> value (<c>yyyyMMddTHHmmssZ</c>) keyed by the secret. The date and signature change once a
/// second, so they are cached per second.
/// </summary>
internal sealed class RequestHeaders
{
    /// <summary>Language reported by this client (<c>x-mq-language</c>).</summary>
    public const string Language = "DOTNET";

    /// <summary>Version reported by this client (<c>x-mq-client-version</c>).</summary>
    public static readonly string ClientVersion = typeof(RequestHeaders).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";

    private readonly string _clientId;
    private readonly string _namespace;
    private readonly SessionCredentials? _credentials;
    private readonly TimeProvider _time;
    private Stamp _stamp = new(long.MinValue, "", null);

    public RequestHeaders(string clientId, string resourceNamespace, SessionCredentials? credentials, TimeProvider time)
    {
        _clientId = clientId;
        _namespace = resourceNamespace;
        _credentials = credentials;
        _time = time;
    }

    /// <summary>Headers for one call with a fresh request id.</summary>
    public Metadata Create(out string requestId)
    {
        requestId = Guid.NewGuid().ToString();
        var stamp = CurrentStamp();
        var metadata = new Metadata
        {
            { "x-mq-protocol", "v2" },
            { "x-mq-client-id", _clientId },
            { "x-mq-date-time", stamp.DateTime },
            { "x-mq-request-id", requestId },
            { "x-mq-language", Language },
            { "x-mq-client-version", ClientVersion },
        };
        if (_namespace.Length > 0)
        {
            metadata.Add("x-mq-namespace", _namespace);
        }

        if (_credentials is { } credentials)
        {
            if (!string.IsNullOrEmpty(credentials.SecurityToken))
            {
                metadata.Add("x-mq-session-token", credentials.SecurityToken);
            }

            metadata.Add("authorization", stamp.Authorization!);
        }

        return metadata;
    }

    /// <summary>The signature of <paramref name="dateTime"/> with <paramref name="secret"/>: upper-case hex HMAC-SHA1.</summary>
    public static string Sign(string secret, string dateTime)
    {
        // HMAC-SHA1 is what the protocol's MQv2 signature scheme specifies.
#pragma warning disable CA5350
        byte[] mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(dateTime));
#pragma warning restore CA5350
        return Convert.ToHexString(mac);
    }

    private Stamp CurrentStamp()
    {
        var now = _time.GetUtcNow();
        long second = now.ToUnixTimeSeconds();
        var stamp = Volatile.Read(ref _stamp);
        if (stamp.Second == second)
        {
            return stamp;
        }

        string dateTime = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string? authorization = _credentials is { } credentials
            ? $"MQv2-HMAC-SHA1 Credential={credentials.AccessKey}, SignedHeaders=x-mq-date-time, Signature={Sign(credentials.AccessSecret, dateTime)}"
            : null;
        stamp = new Stamp(second, dateTime, authorization);
        Volatile.Write(ref _stamp, stamp);
        return stamp;
    }

    private sealed record Stamp(long Second, string DateTime, string? Authorization);
}
