using AgentBus.Server.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentBus.Server.Tests;

public sealed class EmbeddedBrokerLifetimeTests
{
    [Fact]
    public async Task An_embedded_broker_leaves_the_process_signals_to_the_application_that_embeds_it()
    {
        await using var broker = await EmbeddedBroker.StartAsync();

        // A console lifetime would stop the broker on Ctrl+C or SIGTERM at once, while the embedding application
        // still drains its requests through it; the application stops it by disposing it instead.
        var lifetime = broker.Services.GetRequiredService<IHostLifetime>();
        Assert.IsNotType<Microsoft.Extensions.Hosting.Internal.ConsoleLifetime>(lifetime);
        Assert.False(broker.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }
}
