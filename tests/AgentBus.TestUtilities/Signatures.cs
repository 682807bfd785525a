using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgentBus.Server.Hosting;
using Grpc.Core;

namespace AgentBus.TestUtilities;

/// <summary>
/// Signs raw calls the RocketMQ v5 way, written here from the protocol rather than borrowed from the client:
/// <c>authorization: MQv2-HMAC-SHA1 Credential=AK, SignedHeaders=x-mq-date-time, Signature=HEX(HMAC-SHA1(secret, date))</c>.
/// </summary>
public static class Signatures
{
    /// <summary>The test user's access key.</summary>
    public const string AccessKey = "agent-ak";

    /// <summary>The test user's secret, which must never appear in a log.</summary>
    public const string SecretKey = "s3cr3t-never-logged";

    /// <summary>
    /// Turns authentication on with the one test user, who may do everything: it lists no permissions and
    /// <c>DefaultAllow</c> is on (tests of permissions set their own users).
    /// </summary>
    public static void WithAuth(ServerOptions server)
    {
        server.Auth.Enabled = true;
        server.Auth.DefaultAllow = true;
        server.Auth.Users.Add(new AuthUser { AccessKey = AccessKey, SecretKey = SecretKey });
    }

    /// <summary>Adds the date and a signature of it to a call's headers.</summary>
    public static Action<Metadata> Signed(string accessKey = AccessKey, string secret = SecretKey, DateTimeOffset? at = null) => headers =>
    {
        string date = DateTimeHeader(at ?? DateTimeOffset.UtcNow);
        headers.Add("x-mq-date-time", date);
        headers.Add("authorization", Authorization(accessKey, Sign(secret, date)));
    };

    /// <summary>Adds the date and <paramref name="authorization"/> verbatim.</summary>
    public static Action<Metadata> WithAuthorization(string authorization, DateTimeOffset? at = null) => headers =>
    {
        headers.Add("x-mq-date-time", DateTimeHeader(at ?? DateTimeOffset.UtcNow));
        headers.Add("authorization", authorization);
    };

    /// <summary>The <c>x-mq-date-time</c> header value of <paramref name="at"/> (<c>yyyyMMddTHHmmssZ</c>, UTC).</summary>
    public static string DateTimeHeader(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The <c>authorization</c> header value for a signature.</summary>
    public static string Authorization(string accessKey, string signature) =>
        $"MQv2-HMAC-SHA1 Credential={accessKey}, SignedHeaders=x-mq-date-time, Signature={signature}";

    /// <summary>The upper-case hex HMAC-SHA1 of <paramref name="date"/> keyed by <paramref name="secret"/>.</summary>
    public static string Sign(string secret, string date)
    {
#pragma warning disable CA5350 // the protocol's signature scheme
        return Convert.ToHexString(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(date)));
#pragma warning restore CA5350
    }
}
