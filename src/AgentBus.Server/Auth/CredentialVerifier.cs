using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgentBus.Server.Hosting;
using Grpc.Core;

namespace AgentBus.Server.Auth;

/// <summary>
/// Checks the RocketMQ v5 signature of a call: header <c>authorization: MQv2-HMAC-SHA1 Credential=AK,
/// SignedHeaders=x-mq-date-time, Signature=HEX</c>, where <c>HEX</c> is the HMAC-SHA1 of the <c>x-mq-date-time</c> value
/// keyed by the secret of <c>AK</c>, and that date within <see cref="ServerAuthOptions.DateTimeTolerance"/> of the
/// server clock. Signatures are compared in constant time; an unknown access key costs the same work as a known one.
/// Users and secrets are those of the current <see cref="AccessPolicy"/>, so a changed configuration applies at once.
/// </summary>
internal sealed class CredentialVerifier
{
    /// <summary>Header carrying the signature.</summary>
    public const string AuthorizationHeader = "authorization";

    /// <summary>Header carrying the signed date and time (<c>yyyyMMddTHHmmssZ</c>, UTC).</summary>
    public const string DateTimeHeader = "x-mq-date-time";

    private const string Scheme = "MQv2-HMAC-SHA1 ";
    private const string DateTimeFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const int MacSize = 20;
    private const int MaxDateTimeLength = 64;

    private readonly byte[] _decoyKey = RandomNumberGenerator.GetBytes(32);
    private readonly AccessPolicyMonitor _policy;
    private readonly TimeProvider _time;

    public CredentialVerifier(AccessPolicyMonitor policy, TimeProvider time)
    {
        _policy = policy;
        _time = time;
    }

    /// <summary>Whether the call is signed by a known user of the current policy.</summary>
    /// <param name="headers">The call's request headers.</param>
    /// <param name="identity">The user who signed the call, when it is authenticated.</param>
    /// <param name="accessKey">For the log of a refusal: the access key the call names, when its header could be read.</param>
    /// <returns>Null when the call is authenticated, else why not (never naming a secret or signature).</returns>
    public string? Verify(Metadata headers, out AuthIdentity? identity, out string? accessKey)
    {
        identity = null;
        accessKey = null;
        string? authorization = null, dateTime = null;
        for (int i = 0; i < headers.Count; i++)
        {
            var entry = headers[i];
            if (entry.IsBinary)
            {
                continue;
            }

            if (entry.Key == AuthorizationHeader)
            {
                authorization = entry.Value;
            }
            else if (entry.Key == DateTimeHeader)
            {
                dateTime = entry.Value;
            }
        }

        if (authorization is null)
        {
            return "The authorization header is required.";
        }

        if (!TryParse(authorization, out var credential, out var signature))
        {
            return "The authorization header is malformed; expected MQv2-HMAC-SHA1 Credential=AK, SignedHeaders=x-mq-date-time, Signature=HEX.";
        }

        string? reason = Check(_policy.Current, credential, signature, dateTime, out identity);
        // The access key is read out only for the log of a refusal, so an accepted call allocates nothing here.
        accessKey = reason is null ? null : credential.ToString();
        return reason;
    }

    private string? Check(AccessPolicy policy, ReadOnlySpan<char> credential, ReadOnlySpan<char> signature, string? dateTime,
        out AuthIdentity? identity)
    {
        identity = null;
        if (dateTime is null || dateTime.Length > MaxDateTimeLength
            || !DateTime.TryParseExact(dateTime, DateTimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var signedAt))
        {
            return "The x-mq-date-time header is missing or malformed (yyyyMMddTHHmmssZ).";
        }

        var skew = _time.GetUtcNow().UtcDateTime - signedAt;
        if (skew.Duration() > policy.DateTimeTolerance)
        {
            return "The x-mq-date-time header is too far from the broker's clock.";
        }

        Span<byte> expected = stackalloc byte[MacSize];
        if (Convert.FromHexString(signature, expected, out _, out int written) is not OperationStatus.Done || written != MacSize)
        {
            return "The signature is not a hex HMAC-SHA1.";
        }

        bool known = policy.Users.TryGetValue(credential, out var user);
        Span<byte> date = stackalloc byte[MaxDateTimeLength];
        int dateLength = Encoding.UTF8.GetBytes(dateTime, date);
        Span<byte> actual = stackalloc byte[MacSize];
        // HMAC-SHA1 is what the protocol's MQv2 signature scheme specifies.
#pragma warning disable CA5350
        HMACSHA1.HashData(known ? user!.Secret : _decoyKey, date[..dateLength], actual);
#pragma warning restore CA5350
        bool matches = CryptographicOperations.FixedTimeEquals(actual, expected);
        if (!known || !matches)
        {
            return "Unknown access key or wrong signature.";
        }

        identity = user;
        return null;
    }

    /// <summary>Reads the credential (access key) and the signature of an <c>authorization</c> value.</summary>
    private static bool TryParse(string authorization, out ReadOnlySpan<char> credential, out ReadOnlySpan<char> signature)
    {
        credential = default;
        signature = default;
        var value = authorization.AsSpan().Trim();
        if (!value.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        value = value[Scheme.Length..];
        bool signedDateTime = false;
        foreach (var range in value.Split(','))
        {
            var pair = value[range].Trim();
            int equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                return false;
            }

            var key = pair[..equals].Trim();
            var item = pair[(equals + 1)..].Trim();
            if (key.Equals("Credential", StringComparison.OrdinalIgnoreCase))
            {
                // Some clients send AK/scope; the access key is the part before the first slash.
                int slash = item.IndexOf('/');
                credential = slash < 0 ? item : item[..slash];
            }
            else if (key.Equals("SignedHeaders", StringComparison.OrdinalIgnoreCase))
            {
                signedDateTime = item.Equals(DateTimeHeader, StringComparison.OrdinalIgnoreCase);
            }
            else if (key.Equals("Signature", StringComparison.OrdinalIgnoreCase))
            {
                signature = item;
            }
        }

        return signedDateTime && !credential.IsEmpty && !signature.IsEmpty;
    }
}
