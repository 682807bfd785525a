using System.Globalization;
using System.Reflection;

namespace AgentBus.Samples.Tests.Packaging;

/// <summary>
/// The libraries packed once into a temporary folder feed, as <c>dotnet pack AgentBus.sln -c Release -o FEED</c> does:
/// from the build this test project references (so every library is built in this configuration), with a version of
/// their own, so no earlier package of the same version in a NuGet cache stands in for them.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    /// <summary>Every package the solution produces, and no other.</summary>
    public static readonly string[] PackageIds =
        ["AgentBus", "AgentBus.Client", "AgentBus.Protocol", "AgentBus.Broker", "AgentBus.Server", "AgentBus.SemanticKernel", "AgentBus.AgentFramework",
            "AgentBus.Cli"];

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "agentbus-pack-" + Guid.NewGuid().ToString("N")[..12]);

    public string Feed => Path.Combine(Root, "feed");

    public string Version { get; } = "0.1.0-local." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AgentBus.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("AgentBus.sln is not above the test's folder.");
        }
    }

    public static string Configuration =>
        typeof(PackedFeed).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        var (exitCode, output) = await DotnetCommand.RunAsync(RepositoryRoot, TimeSpan.FromMinutes(3),
            "pack", "AgentBus.sln", "-c", Configuration, "--no-build", "-o", Feed, $"-p:Version={Version}", "-nodeReuse:false", "-warnaserror");
        Assert.True(exitCode == 0, "dotnet pack failed:\n" + output);
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }

        return Task.CompletedTask;
    }
}
