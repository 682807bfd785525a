using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace AgentBus.Server.Tests;

/// <summary>What grpcurl and a load balancer's probe see: server reflection and health per service name, over real gRPC.</summary>
public sealed class ReflectionAndHealthTests(SharedTestBroker shared) : IClassFixture<SharedTestBroker>
{
    private const string Messaging = "apache.rocketmq.v2.MessagingService";
    private const string Admin = "agentbus.v1.AdminService";
    private const string Health = "grpc.health.v1.Health";

    [Fact]
    public async Task Reflection_lists_the_brokers_services()
    {
        var broker = shared.Broker;

        var services = await ListServicesV1Async(broker.Channel);

        Assert.Contains(Messaging, services);
        Assert.Contains(Admin, services);
        Assert.Contains(Health, services);
        Assert.Contains("grpc.reflection.v1.ServerReflection", services);
        // grpcurl falls back to the older protocol against servers without v1; both answer.
        Assert.Equal(services.Order(), (await ListServicesV1AlphaAsync(broker.Channel)).Order());
    }

    [Fact]
    public async Task Reflection_describes_a_service_from_its_name()
    {
        var broker = shared.Broker;
        using var call = new V1.ServerReflection.ServerReflectionClient(broker.Channel).ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(60));

        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { FileContainingSymbol = Messaging });
        Assert.True(await call.ResponseStream.MoveNext());

        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(bytes => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(bytes)).ToList();
        var service = files.SelectMany(f => f.Service.Select(s => (f.Package, s))).Single(x => $"{x.Package}.{x.s.Name}" == Messaging).s;
        Assert.Contains(service.Method, m => m.Name == "SendMessage");
        Assert.Contains(service.Method, m => m.Name == "SyncLiteSubscription");
    }

    [Fact]
    public async Task Reflection_off_answers_unimplemented_and_an_admin_service_off_is_not_listed()
    {
        await using var withoutAdmin = await TestBroker.StartAsync(configureServer: s => s.EnableAdminService = false);
        Assert.DoesNotContain(Admin, await ListServicesV1Async(withoutAdmin.Channel));

        await using var withoutReflection = await TestBroker.StartAsync(configureServer: s => s.EnableReflection = false);
        var error = await Assert.ThrowsAsync<RpcException>(() => ListServicesV1Async(withoutReflection.Channel));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData(Messaging)]
    [InlineData(Admin)]
    public async Task Health_check_by_service_name_answers_serving(string service)
    {
        var broker = shared.Broker;
        var health = new Health.HealthClient(broker.Channel);

        var reply = await health.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(10));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Health_check_of_an_unknown_or_disabled_service_is_not_found()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: s => s.EnableAdminService = false);
        var health = new Health.HealthClient(broker.Channel);

        foreach (string service in new[] { "no.such.Service", Admin })
        {
            var error = await Assert.ThrowsAsync<RpcException>(async () =>
                await health.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(10)));
            Assert.Equal(StatusCode.NotFound, error.StatusCode);
        }

        var messaging = await health.CheckAsync(new HealthCheckRequest { Service = Messaging }, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, messaging.Status);
    }

    private static async Task<List<string>> ListServicesV1Async(GrpcChannel channel)
    {
        using var call = new V1.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(60));
        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        List<string> services = [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)];
        // Read to the end, so disposing the call does not reset a stream the server is still finishing (an Error in its log).
        while (await call.ResponseStream.MoveNext())
        {
        }

        return services;
    }

    private static async Task<List<string>> ListServicesV1AlphaAsync(GrpcChannel channel)
    {
        using var call = new V1Alpha.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(60));
        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        List<string> services = [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)];
        // Read to the end, so disposing the call does not reset a stream the server is still finishing (an Error in its log).
        while (await call.ResponseStream.MoveNext())
        {
        }

        return services;
    }
}
