using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentBus.TestUtilities;

/// <summary>Self-signed server certificates made on the spot, and clients that trust exactly them.</summary>
public static class TestCertificates
{
    /// <summary>A self-signed TLS server certificate for <c>localhost</c> and <c>127.0.0.1</c>, valid for a day, with its private key.</summary>
    public static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>Accepts the certificate that is <paramref name="trusted"/> (by SHA-256 thumbprint) and nothing else.</summary>
    public static RemoteCertificateValidationCallback Trusting(X509Certificate2 trusted)
    {
        string pinned = trusted.GetCertHashString(HashAlgorithmName.SHA256);
        return (_, certificate, _, _) => certificate is not null
            && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), pinned, StringComparison.Ordinal);
    }

    /// <summary>An HTTP handler for gRPC channels that trusts <paramref name="trusted"/>.</summary>
    public static SocketsHttpHandler TrustingHandler(X509Certificate2 trusted) => new()
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Trusting(trusted) },
    };
}
