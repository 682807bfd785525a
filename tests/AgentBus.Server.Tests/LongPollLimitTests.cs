using AgentBus.Broker;
using AgentBus.Server.Hosting;

namespace AgentBus.Server.Tests;

/// <summary>The server's long-poll settings stay within the engine's one limit.</summary>
public sealed class LongPollLimitTests
{
    [Fact]
    public void Long_polls_up_to_the_engine_limit_are_valid()
    {
        new ServerOptions { LongPollingTimeout = BrokerEngine.MaxLongPollTimeout, MaxLongPollingTimeout = BrokerEngine.MaxLongPollTimeout }.Validate();
    }

    [Fact]
    public void A_default_long_poll_past_the_engine_limit_is_refused()
    {
        var options = new ServerOptions
        {
            LongPollingTimeout = BrokerEngine.MaxLongPollTimeout + TimeSpan.FromMilliseconds(1),
            MaxLongPollingTimeout = BrokerEngine.MaxLongPollTimeout + TimeSpan.FromMilliseconds(1),
        };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(nameof(ServerOptions.LongPollingTimeout), error.ParamName);
        Assert.Contains("(0, 5 min]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_poll_cap_past_the_engine_limit_is_refused()
    {
        var options = new ServerOptions { MaxLongPollingTimeout = BrokerEngine.MaxLongPollTimeout + TimeSpan.FromMilliseconds(1) };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(nameof(ServerOptions.MaxLongPollingTimeout), error.ParamName);
        Assert.Contains("[LongPollingTimeout, 5 min]", error.Message, StringComparison.Ordinal);
    }
}
