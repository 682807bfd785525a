namespace AgentBus.Cli;

/// <summary>What the agentbus command's exit code means (docs/cli.md lists them too).</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The broker (or an agent) refused or failed the request; the error line says why.</summary>
    public const int BrokerError = 1;

    /// <summary>The command line is wrong: an unknown verb or option, a missing argument, a value that does not parse.</summary>
    public const int Usage = 2;

    /// <summary>What was asked for does not exist: a topic, lite topic, group, or a live agent.</summary>
    public const int NotFound = 3;

    /// <summary>The broker could not be reached within the timeout, or it does not serve the AgentBus admin API.</summary>
    public const int Unreachable = 4;
}
