using System.Security.Cryptography.X509Certificates;

namespace AgentBus.Server.Hosting;

/// <summary>
/// TLS of the gRPC listener (configuration section <c>Server:Tls</c>). With a certificate the broker serves HTTP/2
/// over TLS (ALPN <c>h2</c>) only; without one it serves HTTP/2 cleartext.
/// </summary>
public sealed class ServerTlsOptions
{
    /// <summary>
    /// The server certificate file: PKCS#12 (<c>.pfx</c>, <c>.p12</c>) with its private key, or PEM. A PEM certificate
    /// takes its private key from <see cref="KeyPath"/>, or from the same file when no key path is set.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM certificate; unset when the key is in the certificate file.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Password of the PKCS#12 file or of the encrypted PEM key; unset when they are not protected.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// A certificate with its private key, set in code (tests, samples, <see cref="Embedded.EmbeddedBrokerOptions.ServerCertificate"/>);
    /// it takes precedence over <see cref="CertificatePath"/>. The caller keeps ownership and disposes it.
    /// </summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Whether the broker serves TLS: a certificate is set or configured.</summary>
    public bool Enabled => Certificate is not null || !string.IsNullOrWhiteSpace(CertificatePath);

    internal void Validate()
    {
        if (Certificate is { HasPrivateKey: false })
        {
            throw new ArgumentException("Server:Tls:Certificate must carry its private key.", nameof(Certificate));
        }

        if (string.IsNullOrWhiteSpace(CertificatePath))
        {
            if (!string.IsNullOrWhiteSpace(KeyPath) || !string.IsNullOrEmpty(CertificatePassword))
            {
                throw new ArgumentException("Server:Tls:KeyPath and Server:Tls:CertificatePassword need Server:Tls:CertificatePath.", nameof(KeyPath));
            }

            return;
        }

        if (Certificate is not null)
        {
            return;
        }

        if (!File.Exists(CertificatePath))
        {
            throw new ArgumentException($"Server:Tls:CertificatePath: no file at {CertificatePath}.", nameof(CertificatePath));
        }

        if (!string.IsNullOrWhiteSpace(KeyPath) && !File.Exists(KeyPath))
        {
            throw new ArgumentException($"Server:Tls:KeyPath: no file at {KeyPath}.", nameof(KeyPath));
        }
    }

    /// <summary>The certificate to serve, loaded from its file unless set in code; null when TLS is off.</summary>
    internal X509Certificate2? LoadCertificate()
    {
        if (Certificate is not null || string.IsNullOrWhiteSpace(CertificatePath))
        {
            return Certificate;
        }

        string path = CertificatePath;
        string? password = string.IsNullOrEmpty(CertificatePassword) ? null : CertificatePassword;
        if (string.IsNullOrWhiteSpace(KeyPath) && !IsPem(path))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }

        string? keyPath = string.IsNullOrWhiteSpace(KeyPath) ? null : KeyPath;
        var pem = password is null
            ? X509Certificate2.CreateFromPemFile(path, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
        if (!OperatingSystem.IsWindows())
        {
            return pem;
        }

        // SChannel cannot use the ephemeral key of a PEM import: round-trip through PKCS#12, as Kestrel does.
        using (pem)
        {
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
    }

    private static bool IsPem(string path)
    {
        string extension = Path.GetExtension(path);
        return extension.Equals(".pem", StringComparison.OrdinalIgnoreCase) || extension.Equals(".crt", StringComparison.OrdinalIgnoreCase)
            || extension.Equals(".cer", StringComparison.OrdinalIgnoreCase);
    }
}
