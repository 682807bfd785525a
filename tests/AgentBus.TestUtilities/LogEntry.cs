using Microsoft.Extensions.Logging;

namespace AgentBus.TestUtilities;

/// <summary>One captured log entry.</summary>
/// <param name="At">When it was logged.</param>
/// <param name="Level">Its level.</param>
/// <param name="Category">The logger's category (usually the type that logged).</param>
/// <param name="Message">The formatted message.</param>
/// <param name="Exception">The exception logged with it, if any.</param>
public sealed record LogEntry(DateTimeOffset At, LogLevel Level, string Category, string Message, Exception? Exception)
{
    /// <summary>The entry on one line (the exception in full after it), for failure messages.</summary>
    /// <returns>Time, level, category, message and exception.</returns>
    public override string ToString() => $"{At:HH:mm:ss.fff} {Level} {Category}: {Message} {Exception}".TrimEnd();
}
