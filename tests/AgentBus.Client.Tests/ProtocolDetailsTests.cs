using AgentBus.Client.Configuration;
using AgentBus.Client.Core;
using AgentBus.Client.Errors;
using AgentBus.Client.Messages;
using AgentBus.Client.Producing;
using AgentBus.Client.Tests.Infrastructure;
using AgentBus.Client.Transport;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;
using RetryPolicy = AgentBus.Client.Core.RetryPolicy;

namespace AgentBus.Client.Tests;

public sealed class ProtocolDetailsTests
{
    [Fact]
    public void The_signature_is_the_upper_case_hex_hmac_sha1_of_the_date_time()
    {
        // Reference value computed independently (HMAC-SHA1, key "secret", message "20230913T063059Z").
        Assert.Equal("2AB140BBF1737877EDB6DDF3677CE01A510AAF21", RequestHeaders.Sign("secret", "20230913T063059Z"));
    }

    [Fact]
    public void Headers_carry_identity_and_the_authorization_when_credentials_are_set()
    {
        var time = new FakeTimeProvider();
        var headers = new RequestHeaders("host@1@0@abc", "tenant-a", new SessionCredentials("AK", "secret", "token"), time).Create(out string requestId);

        string Get(string key) => headers.Single(e => e.Key == key).Value;
        string dateTime = Get("x-mq-date-time");
        Assert.Matches("^[0-9]{8}T[0-9]{6}Z$", dateTime);
        Assert.Equal("host@1@0@abc", Get("x-mq-client-id"));
        Assert.Equal("tenant-a", Get("x-mq-namespace"));
        Assert.Equal("v2", Get("x-mq-protocol"));
        Assert.Equal(requestId, Get("x-mq-request-id"));
        Assert.Equal("token", Get("x-mq-session-token"));
        Assert.Equal($"MQv2-HMAC-SHA1 Credential=AK, SignedHeaders=x-mq-date-time, Signature={RequestHeaders.Sign("secret", dateTime)}", Get("authorization"));
    }

    [Fact]
    public async Task A_client_with_credentials_and_a_namespace_works_against_the_broker()
    {
        await using var broker = await TestBroker.StartForClientsAsync();
        broker.CreateLiteParent();
        var provider = broker.ProviderWith(endpoints => new ClientConfiguration
        {
            Endpoints = endpoints,
            Namespace = "tenant-a",
            Credentials = new SessionCredentials("AK", "secret"),
        });
        await using var producer = await provider.NewProducerBuilder().BuildAsync();

        var receipt = await producer.SendAsync(provider.NewMessageBuilder().SetTopic(Scenario.Parent).SetLiteTopic("signed").SetBody("x").Build());
        Assert.Equal(0, receipt.Offset);
    }

    [Fact]
    public void Message_ids_have_the_official_layout()
    {
        var now = new DateTimeOffset(2021, 1, 1, 0, 1, 40, TimeSpan.Zero);
        string first = MessageIdGenerator.Next(now);
        string second = MessageIdGenerator.Next(now);

        Assert.Equal(34, first.Length);
        Assert.StartsWith("01", first, StringComparison.Ordinal);
        Assert.Equal(first[..18], second[..18]); // version, MAC, process id
        Assert.Equal("00000064", first[18..26]); // 100 s after 2021-01-01
        Assert.Equal(Convert.ToUInt32(first[26..], 16) + 1, Convert.ToUInt32(second[26..], 16));
        Assert.Equal((Environment.ProcessId & 0xFFFF).ToString("X4", System.Globalization.CultureInfo.InvariantCulture), first[14..18]);
    }

    [Fact]
    public void SipHash24_matches_the_reference_vectors()
    {
        Assert.Equal(0x726fdb47dd0e0e31UL, SipHash24.Hash([]));
        Assert.Equal(0xa129ca6149be45e5UL, SipHash24.Hash([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]));
        Assert.InRange(SipHash24.QueueIndex("any-group", 7), 0, 6);
    }

    [Theory]
    [InlineData(Code.BadRequest, typeof(BadRequestException))]
    [InlineData(Code.IllegalTopic, typeof(BadRequestException))]
    [InlineData(Code.IllegalLiteTopic, typeof(IllegalLiteTopicException))]
    [InlineData(Code.Unauthorized, typeof(UnauthorizedException))]
    [InlineData(Code.Forbidden, typeof(ForbiddenException))]
    [InlineData(Code.TopicNotFound, typeof(NotFoundException))]
    [InlineData(Code.ConsumerGroupNotFound, typeof(NotFoundException))]
    [InlineData(Code.MessageBodyTooLarge, typeof(PayloadTooLargeException))]
    [InlineData(Code.TooManyRequests, typeof(TooManyRequestsException))]
    [InlineData(Code.LiteTopicQuotaExceeded, typeof(LiteTopicQuotaExceededException))]
    [InlineData(Code.LiteSubscriptionQuotaExceeded, typeof(LiteSubscriptionQuotaExceededException))]
    [InlineData(Code.MessagePropertiesTooLarge, typeof(RequestHeaderFieldsTooLargeException))]
    [InlineData(Code.InternalError, typeof(InternalErrorException))]
    [InlineData(Code.ProxyTimeout, typeof(ProxyTimeoutException))]
    [InlineData(Code.NotImplemented, typeof(UnsupportedException))]
    [InlineData(Code.RequestTimeout, typeof(RequestTimeoutException))]
    public void Status_codes_map_to_typed_exceptions(Code code, System.Type expected)
    {
        var error = Assert.Throws(expected, () => StatusChecker.Check(new Apache.Rocketmq.V2.Status { Code = code, Message = "why" }, "req-1"));
        var client = Assert.IsAssignableFrom<ClientException>(error);
        Assert.Equal((int)code, client.Code);
        Assert.Equal("req-1", client.RequestId);
        Assert.Equal("why", client.StatusMessage);
    }

    [Fact]
    public void Ok_multiple_results_and_message_not_found_are_not_errors_where_expected()
    {
        StatusChecker.Check(new Apache.Rocketmq.V2.Status { Code = Code.Ok }, null);
        StatusChecker.Check(new Apache.Rocketmq.V2.Status { Code = Code.MultipleResults }, null);
    }

    [Fact]
    public void Exponential_and_customised_backoff_follow_the_broker_policy()
    {
        var exponential = RetryPolicy.From(new Apache.Rocketmq.V2.RetryPolicy
        {
            MaxAttempts = 5,
            ExponentialBackoff = new ExponentialBackoff { Initial = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)), Max = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)), Multiplier = 2 },
        });
        Assert.Equal(5, exponential.MaxAttempts);
        Assert.Equal([1, 2, 4, 5, 5], Enumerable.Range(1, 5).Select(a => exponential.NextAttemptDelay(a).TotalSeconds));

        var customized = new Apache.Rocketmq.V2.RetryPolicy { MaxAttempts = 3, CustomizedBackoff = new CustomizedBackoff() };
        customized.CustomizedBackoff.Next.Add(Duration.FromTimeSpan(TimeSpan.FromSeconds(1)));
        customized.CustomizedBackoff.Next.Add(Duration.FromTimeSpan(TimeSpan.FromSeconds(10)));
        var policy = RetryPolicy.From(customized, maxAttempts: 7);
        Assert.Equal(7, policy.MaxAttempts);
        Assert.Equal([1, 10, 10], Enumerable.Range(1, 3).Select(a => policy.NextAttemptDelay(a).TotalSeconds));
    }

    [Fact]
    public void Endpoints_parse_hosts_ports_and_schemes()
    {
        var single = AccessPoint.Parse("127.0.0.1:8081");
        Assert.Equal(AddressScheme.Ipv4, single.Scheme);
        Assert.Equal("127.0.0.1:8081", single.Facade);

        var several = AccessPoint.Parse("a.example:1; b.example:2");
        Assert.Equal(AddressScheme.DomainName, several.Scheme);
        Assert.Equal(2, several.ToProtobuf().Addresses.Count);
        Assert.Equal(new Uri("https://b.example:2"), several.UriOf(1, tls: true));

        Assert.Equal(AddressScheme.Ipv6, AccessPoint.Parse("[::1]:9").Scheme);
        Assert.Equal(80, AccessPoint.Parse("host").Addresses[0].Port);
        Assert.Throws<ArgumentException>(() => AccessPoint.Parse("host:notaport"));
    }
}
