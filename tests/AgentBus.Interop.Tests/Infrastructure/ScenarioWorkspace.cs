namespace AgentBus.Interop.Tests.Infrastructure;

/// <summary>
/// A scratch folder for one test: the Node.js process's home (the client library writes its log file under
/// ~/logs), the state file shared by the phases of a restart scenario, and a broker data directory.
/// </summary>
internal sealed class ScenarioWorkspace : IDisposable
{
    public ScenarioWorkspace()
    {
        Root = Path.Combine(Path.GetTempPath(), "agentbus-interop", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(DataDirectory);
    }

    public string Root { get; }

    public string Home => Path.Combine(Root, "home");

    public string StateFile => Path.Combine(Root, "state.json");

    public string DataDirectory => Path.Combine(Root, "data");

    /// <summary>The client library's own log file, written by its consume services.</summary>
    public string ClientLogFile => Path.Combine(Home, "logs", "rocketmq", "rocketmq_client_nodejs.log");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left to the OS temp cleaner.
        }
    }
}
