using System.Globalization;

namespace AgentBus.Reliability.Tests.Infrastructure;

/// <summary>
/// The harness's bounds: small in CI, larger through environment variables for a long run (docs/testing.md).
/// </summary>
internal static class HarnessSettings
{
    /// <summary>Kill-and-restart cycles per flush mode: <c>AGENTBUS_CRASH_CYCLES</c>, 3 by default.</summary>
    public static int CrashCycles => Integer("AGENTBUS_CRASH_CYCLES", 3, 1, 100_000);

    /// <summary>Seed of the kill moments and message sizes: <c>AGENTBUS_CRASH_SEED</c>, fixed by default.</summary>
    public static int CrashSeed => Integer("AGENTBUS_CRASH_SEED", 20261203, int.MinValue, int.MaxValue);

    /// <summary>Requests the fuzzer sends in all: <c>AGENTBUS_FUZZ_REQUESTS</c>, 3000 by default.</summary>
    public static int FuzzRequests => Integer("AGENTBUS_FUZZ_REQUESTS", 3000, 1, int.MaxValue);

    /// <summary>Seed of the fuzzer: <c>AGENTBUS_FUZZ_SEED</c>, fixed by default, so a failure replays.</summary>
    public static int FuzzSeed => Integer("AGENTBUS_FUZZ_SEED", 17, int.MinValue, int.MaxValue);


    private static int Integer(string variable, int fallback, int min, int max)
    {
        string? text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        Assert.True(int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max,
            $"{variable}={text} is not an integer in {min}..{max}");
        return value;
    }
}
