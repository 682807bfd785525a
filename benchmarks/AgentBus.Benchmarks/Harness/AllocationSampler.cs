using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// What a run allocates, by type: the runtime's allocation ticks (one about every 100 KB allocated, naming the type
/// of the object that crossed the mark), summed per type, so each type's share of the ticks estimates its share of the
/// bytes. Switched on with <c>AGENTBUS_BENCH_ALLOCATIONS=1</c>; costs a little CPU while on.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int AllocationTickEventId = 10;

    private readonly ConcurrentDictionary<string, long> _bytesByType = new();
    private volatile bool _recording;

    public static AllocationSampler? StartIfAsked() =>
        Environment.GetEnvironmentVariable("AGENTBUS_BENCH_ALLOCATIONS") == "1" ? new AllocationSampler() : null;

    /// <summary>Forgets what was sampled so far (e.g. the warm-up) and starts counting.</summary>
    public void Record()
    {
        _bytesByType.Clear();
        _recording = true;
    }

    /// <summary>Prints the <paramref name="top"/> types by estimated bytes, per operation.</summary>
    public void Print(long operations, int top = 30)
    {
        _recording = false;
        long total = _bytesByType.Values.Sum();
        Console.WriteLine($"  allocation ticks by type ({total / (double)operations:N0} B sampled per request):");
        foreach (var (type, bytes) in _bytesByType.OrderByDescending(pair => pair.Value).Take(top))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {100.0 * bytes / total,5:F1}%  {bytes / (double)operations,8:N0} B/op  {type}"));
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventId != AllocationTickEventId || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        int nameIndex = eventData.PayloadNames.IndexOf("TypeName");
        int amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (nameIndex < 0 || amountIndex < 0)
        {
            return;
        }

        string type = eventData.Payload[nameIndex] as string ?? "?";
        long amount = Convert.ToInt64(eventData.Payload[amountIndex], CultureInfo.InvariantCulture);
        _bytesByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
