using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AgentBus.Broker.Topics;
using AgentBus.Server.Hosting;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Grpc.Net.Client;

namespace AgentBus.Server.Tests;

/// <summary>Server:Tls: with a certificate the broker serves gRPC over HTTP/2 with TLS, and nothing in cleartext.</summary>
public sealed class TlsTests(SharedTlsTestBroker shared) : IClassFixture<SharedTlsTestBroker>
{
    [Fact]
    public async Task A_tls_broker_serves_grpc_over_https_to_a_client_that_trusts_its_certificate()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders-tls", TopicMessageType.Normal));
        var client = broker.Client();

        var route = await client.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("orders-tls") }, client.Options());
        await client.SendOkAsync(TestClient.Message("orders-tls", "over tls"));
        var received = await client.ReceiveAsync("orders-tls", "billing");

        Assert.True(broker.Broker.IsTls);
        Assert.Equal(Uri.UriSchemeHttps, broker.Broker.Address.Scheme);
        Assert.Equal(Code.Ok, route.Status.Code);
        Assert.Equal(["over tls"], received.Bodies);
    }

    [Fact]
    public async Task A_plaintext_channel_to_the_tls_port_fails()
    {
        var broker = shared.Broker;
        using var channel = GrpcChannel.ForAddress("http://" + broker.Broker.Endpoint);
        var client = new TestClient(channel, "plaintext-client");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("orders-plaintext") }, client.Options(TimeSpan.FromSeconds(5))).ResponseAsync);

        Assert.NotEqual(StatusCode.OK, error.StatusCode);
    }

    [Fact]
    public async Task A_client_with_the_platforms_validation_refuses_a_self_signed_certificate()
    {
        var broker = shared.Broker;
        using var channel = GrpcChannel.ForAddress(broker.Broker.Address);
        var client = new TestClient(channel, "strict-client");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("orders-strict") }, client.Options(TimeSpan.FromSeconds(5))).ResponseAsync);

        Assert.Contains(Causes(error.Status.DebugException), e => e is System.Security.Authentication.AuthenticationException);
    }

    [Theory]
    [InlineData("pfx", false)]
    [InlineData("pfx", true)]
    [InlineData("pem-with-key-file", false)]
    [InlineData("pem-with-key-file", true)]
    [InlineData("pem-combined", false)]
    public async Task The_certificate_is_loaded_from_configured_files(string format, bool password)
    {
        using var certificate = TestCertificates.SelfSigned();
        string directory = Directory.CreateTempSubdirectory("agentbus-tls-").FullName;
        try
        {
            var tls = WriteCertificate(certificate, directory, format, password ? "pa55word" : null);
            await using var broker = await TestBroker.StartAsync(configureServer: server =>
            {
                server.Tls.CertificatePath = tls.CertificatePath;
                server.Tls.KeyPath = tls.KeyPath;
                server.Tls.CertificatePassword = tls.CertificatePassword;
            });
            using var channel = GrpcChannel.ForAddress(broker.Broker.Address, new GrpcChannelOptions { HttpHandler = TestCertificates.TrustingHandler(certificate) });
            var client = new TestClient(channel, "file-tls-client");

            var route = await client.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("orders") }, client.Options());

            Assert.True(broker.Broker.IsTls);
            Assert.Equal(Code.Ok, route.Status.Code);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static IEnumerable<Exception> Causes(Exception? exception)
    {
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            yield return cause;
        }
    }

    private static ServerTlsOptions WriteCertificate(X509Certificate2 certificate, string directory, string format, string? password)
    {
        using var key = certificate.GetRSAPrivateKey()!;
        switch (format)
        {
            case "pfx":
            {
                string path = Path.Combine(directory, "server.pfx");
                File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
                return new ServerTlsOptions { CertificatePath = path, CertificatePassword = password };
            }

            case "pem-with-key-file":
            {
                string path = Path.Combine(directory, "server.pem"), keyPath = Path.Combine(directory, "server.key");
                File.WriteAllText(path, certificate.ExportCertificatePem());
                File.WriteAllText(keyPath, password is null
                    ? key.ExportPkcs8PrivateKeyPem()
                    : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
                return new ServerTlsOptions { CertificatePath = path, KeyPath = keyPath, CertificatePassword = password };
            }

            default:
            {
                string path = Path.Combine(directory, "server.pem");
                File.WriteAllText(path, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
                return new ServerTlsOptions { CertificatePath = path };
            }
        }
    }
}
