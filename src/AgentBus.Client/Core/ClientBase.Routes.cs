using System.Collections.Concurrent;
using AgentBus.Client.Errors;
using AgentBus.Client.Logging;
using Apache.Rocketmq.V2;

namespace AgentBus.Client.Core;

public abstract partial class ClientBase
{
    private readonly ConcurrentDictionary<string, Task<TopicRoute>> _routes = new(StringComparer.Ordinal);

    /// <summary>The route of <paramref name="topic"/>, cached and refreshed every 30 s; concurrent first queries share one call.</summary>
    internal async ValueTask<TopicRoute> GetRouteAsync(string topic, CancellationToken ct)
    {
        var pending = _routes.GetOrAdd(topic, t => QueryRouteAsync(t, CancellationToken.None));
        try
        {
            return await pending.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed query is not cached.
            _routes.TryRemove(new KeyValuePair<string, Task<TopicRoute>>(topic, pending));
            throw;
        }
    }

    private async Task<TopicRoute> QueryRouteAsync(string topic, CancellationToken ct)
    {
        var request = new QueryRouteRequest { Topic = Resource(topic), Endpoints = Invoker.AccessPoint.ToProtobuf() };
        var response = await Invoker.UnaryAsync(Invoker.Endpoint(), request, static (c, r, o) => c.QueryRouteAsync(r, o), RequestTimeout, ct,
            static r => r.Status).ConfigureAwait(false);
        if (response.MessageQueues.Count == 0)
        {
            throw new NotFoundException((int)Code.TopicNotFound, $"Topic '{topic}' has no queues.");
        }

        return new TopicRoute([.. response.MessageQueues]);
    }

    private async Task RefreshRoutesAsync(CancellationToken ct)
    {
        foreach (string topic in _routes.Keys)
        {
            try
            {
                var route = await QueryRouteAsync(topic, ct).ConfigureAwait(false);
                _routes[topic] = Task.FromResult(route);
            }
            catch (ClientException ex)
            {
                ClientLog.RouteRefreshFailed(Logger, ClientId, topic, ex.Message);
            }
        }
    }
}
