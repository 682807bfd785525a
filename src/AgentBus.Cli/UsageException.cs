namespace AgentBus.Cli;

/// <summary>A command-line value that parsed but makes no sense (a JSON argument that is not JSON, say): exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
