using System.Collections.Concurrent;
using System.Net;
using System.Text;
using AgentBus.Broker.Topics;
using AgentBus.Server.Hosting;
using AgentBus.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.Server.Tests;

/// <summary>Server:Telemetry:Otlp pushes the broker's metrics and spans to a real OTLP/HTTP receiver on loopback.</summary>
public sealed class OtlpExportTests
{
    [Theory]
    [InlineData(ServerOtlpOptions.HttpProtobuf, "/v1/metrics", "/v1/traces", "application/x-protobuf")]
    [InlineData(ServerOtlpOptions.Grpc, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export", "application/grpc")]
    public async Task A_broker_with_an_otlp_endpoint_pushes_its_metrics_and_spans(string protocol, string metricsPath, string tracesPath, string contentType)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == ServerOtlpOptions.Grpc);
        await using var broker = await TestBroker.StartAsync(configureServer: server => server.Telemetry.Otlp = new ServerOtlpOptions
        {
            Endpoint = receiver.Address.ToString(),
            Protocol = protocol,
            ExportIntervalMs = 200,
        });
        broker.Engine.Topics.CreateTopic(new TopicDefinition("otlp-orders", TopicMessageType.Normal));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("otlp-group"));
        var client = broker.Client();
        await client.SendOkAsync(TestClient.Message("otlp-orders", "hello"));
        var received = await client.ReceiveAsync("otlp-orders", "otlp-group", poll: TimeSpan.FromSeconds(5));
        Assert.Single(received.Messages);

        // Bodies are OTLP protobuf; names travel as UTF-8 strings in them, which is enough to tell what was sent.
        await Eventually.TrueAsync(() => receiver.Received(metricsPath, "agentbus.consumer.backlog") && receiver.Received(metricsPath, "AgentBus.Broker"),
            TimeSpan.FromSeconds(20), "the broker's metrics exported");
        await Eventually.TrueAsync(() => receiver.Received(tracesPath, "send otlp-orders") && receiver.Received(tracesPath, "deliver otlp-orders"),
            TimeSpan.FromSeconds(20), "the broker's spans exported");
        Assert.All(receiver.Requests, request => Assert.Equal(contentType, request.ContentType));
        Assert.All(receiver.Requests, request => Assert.NotEmpty(request.Body));
        Assert.DoesNotContain(receiver.Requests, request => request.Path != metricsPath && request.Path != tracesPath);
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_registered()
    {
        await using var broker = await TestBroker.StartAsync();

        Assert.Null(broker.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
        Assert.Null(broker.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
    }

    /// <summary>
    /// An OTLP receiver: Kestrel on a loopback port that keeps every request it gets. Over HTTP it answers 200; over
    /// gRPC (HTTP/2 cleartext) an empty Export response (a zero-length message) with grpc-status 0.
    /// </summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private OtlpReceiver(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public ConcurrentQueue<Request> Requests { get; } = new();

        public static async Task<OtlpReceiver> StartAsync(bool grpc)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0,
                listen => listen.Protocols = grpc ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2));
            var app = builder.Build();
            OtlpReceiver? receiver = null;
            app.Run(async context =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                receiver!.Requests.Enqueue(new Request(context.Request.Method, context.Request.Path, context.Request.ContentType, body.ToArray()));
                context.Response.StatusCode = context.Request.Method == HttpMethods.Post ? StatusCodes.Status200OK : StatusCodes.Status405MethodNotAllowed;
                if (grpc)
                {
                    context.Response.ContentType = "application/grpc";
                    await context.Response.Body.WriteAsync(new byte[5], context.RequestAborted); // uncompressed, length 0
                    context.Response.AppendTrailer("grpc-status", "0");
                }
                else
                {
                    context.Response.ContentType = "application/x-protobuf";
                }
            });
            await app.StartAsync();
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            receiver = new OtlpReceiver(app, new Uri(address));
            return receiver;
        }

        /// <summary>Whether a POST to <paramref name="path"/> carried <paramref name="text"/>.</summary>
        public bool Received(string path, string text)
        {
            var needle = Encoding.UTF8.GetBytes(text);
            return Requests.Any(r => r.Method == HttpMethods.Post && r.Path == path && r.Body.AsSpan().IndexOf(needle) >= 0);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed record Request(string Method, string Path, string? ContentType, byte[] Body);
}
